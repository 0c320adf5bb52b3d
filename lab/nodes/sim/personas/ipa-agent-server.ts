/**
 * One HTTP server that hosts the agent API of every simulated ironic-python-agent, with the node
 * UUID as the first path segment of the callback URL (Metal3's fake-ipa does the same):
 *
 *   Ironic ──POST http://127.0.0.1:P/<uuid>/v1/commands/?wait=…&agent_token=…──▶ server
 *          ──GET  http://127.0.0.1:P/<uuid>/v1/commands/──────────────────────▶ ─▶ agent of <uuid>
 *
 * An agent registers while its ramdisk "runs" and unregisters when the node powers off or
 * reboots. Requests for an unregistered UUID get their connection destroyed, which is what Ironic
 * sees from a machine whose agent is not up (connection refused/reset → it retries or times out).
 * Bad input never crashes the server: bodies are capped and JSON errors answer 400.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface IpaRequest {
  method: string;
  /** Path below the UUID, e.g. `/v1/commands/`. */
  path: string;
  query: URLSearchParams;
  /** Parsed JSON body (undefined when there was none). */
  body: unknown;
}

export interface IpaReply {
  status: number;
  body: unknown;
  /** Runs after the reply is flushed (power off after answering standby.power_off). */
  after?: () => void;
}

export type IpaAgentHandler = (req: IpaRequest) => Promise<IpaReply> | IpaReply;

export interface IpaAgentServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** The callback_url an agent for `uuid` heartbeats with. */
  callbackUrl(uuid: string): string;
  /** Serve `uuid`'s agent API with `handler` until the returned function is called. */
  register(uuid: string, handler: IpaAgentHandler): () => void;
  /** UUIDs with a registered agent (tests, diagnostics). */
  agents(): string[];
  close(): Promise<void>;
}

export interface IpaAgentServerOptions {
  host?: string;
  port?: number;
  /** Largest accepted request body, bytes (execute_deploy_step carries the node dict: a few KiB). */
  maxBody?: number;
}

function send(res: ServerResponse, status: number, body: unknown): Promise<void> {
  const buf = Buffer.from(JSON.stringify(body));
  return new Promise((resolve) => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': buf.length });
    res.end(buf, () => resolve());
  });
}

/** IPA's REST error shape; Ironic reads `faultstring`. */
export function ipaFault(status: number, faultstring: string): IpaReply {
  return { status, body: { faultcode: status < 500 ? 'Client' : 'Server', faultstring, debuginfo: null } };
}

export async function startIpaAgentServer(o: IpaAgentServerOptions = {}): Promise<IpaAgentServer> {
  const host = o.host ?? '127.0.0.1';
  const maxBody = o.maxBody ?? 1024 * 1024;
  const handlers = new Map<string, IpaAgentHandler>();

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const u = new URL(req.url ?? '/', 'http://x');
    const slash = u.pathname.indexOf('/', 1);
    const uuid = decodeURIComponent(slash < 0 ? u.pathname.slice(1) : u.pathname.slice(1, slash));
    const handler = handlers.get(uuid);
    if (!handler) {
      // No agent running on that "machine": the TCP peer goes away, as a powered-off node's would.
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBody) tooBig = true;
      else chunks.push(c);
    });
    req.on('error', () => req.socket.destroy());
    req.on('end', () => {
      void (async () => {
        if (tooBig) return send(res, 413, ipaFault(413, `request body over ${maxBody} bytes`).body);
        let body: unknown;
        const text = Buffer.concat(chunks).toString('utf8');
        if (text.trim() !== '') {
          try {
            body = JSON.parse(text);
          } catch (e) {
            return send(res, 400, ipaFault(400, `request body is not JSON: ${(e as Error).message}`).body);
          }
        }
        let reply: IpaReply;
        try {
          reply = await handler({ method: req.method ?? 'GET', path: slash < 0 ? '/' : u.pathname.slice(slash), query: u.searchParams, body });
        } catch (e) {
          reply = ipaFault(500, `agent error: ${(e as Error).message}`);
        }
        await send(res, reply.status, reply.body);
        reply.after?.();
      })().catch(() => req.socket.destroy());
    });
  };

  const server = createServer(onRequest);
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  return {
    url,
    callbackUrl: (uuid) => `${url}/${uuid}`,
    register(uuid, handler) {
      handlers.set(uuid, handler);
      return () => {
        if (handlers.get(uuid) === handler) handlers.delete(uuid);
      };
    },
    agents: () => [...handlers.keys()],
    close: () =>
      new Promise<void>((resolve) => {
        handlers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
