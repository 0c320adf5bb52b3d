/**
 * The HTTP(S) listeners of one Redfish server: the shared one (every system) and, optionally, one
 * per system on that system's own address (only that system). All feed the same request pipeline.
 *
 *   ListenerSet ─┬─ shared listener   (only = undefined) ─┐
 *                └─ per-system × N    (only = system id) ─┴─▶ handleRequest(deps, req, res, only)
 */
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TlsMaterial } from './tls-cert.ts';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse, only: string | undefined) => void;

export class ListenerSet {
  private readonly servers = new Set<Server>();
  private readonly perSystem = new Map<string, { srv: Server; url?: string }>();

  constructor(
    private readonly handler: RequestHandler,
    private readonly tls: TlsMaterial | undefined,
  ) {}

  /** Listen on host:port for `only` (undefined = every system); resolves with the base URL. */
  async listen(host: string, port: number, only: string | undefined): Promise<string> {
    const srv = this.create(only);
    if (only !== undefined) this.perSystem.set(only, { srv });
    const a = await new Promise<AddressInfo>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, host, () => {
        srv.off('error', reject);
        resolve(srv.address() as AddressInfo);
      });
    });
    const url = `${this.tls ? 'https' : 'http'}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
    const entry = only !== undefined ? this.perSystem.get(only) : undefined;
    if (entry?.srv === srv) entry.url = url;
    return url;
  }

  /** Base URL of a system's own listener, once it is listening. */
  systemUrl(id: string): string | undefined {
    return this.perSystem.get(id)?.url;
  }

  /** Stop a system's own listener (if it has one); its open connections are dropped. */
  drop(id: string): void {
    const e = this.perSystem.get(id);
    if (!e) return;
    this.perSystem.delete(id);
    this.servers.delete(e.srv);
    e.srv.close();
    e.srv.closeAllConnections();
  }

  closeAll(): Promise<void> {
    return Promise.all(
      [...this.servers].map(
        (srv) =>
          new Promise<void>((resolve) => {
            if (!srv.listening) return resolve();
            srv.close(() => resolve());
            srv.closeAllConnections();
          }),
      ),
    ).then(() => undefined);
  }

  private create(only: string | undefined): Server {
    const handler = (req: IncomingMessage, res: ServerResponse) => this.handler(req, res, only);
    const srv = this.tls ? createHttpsServer({ key: this.tls.key, cert: this.tls.cert }, handler) : createHttpServer(handler);
    srv.keepAliveTimeout = 30_000;
    // A client that never finishes its headers must not pin a socket forever.
    srv.headersTimeout = 30_000;
    this.servers.add(srv);
    return srv;
  }
}
