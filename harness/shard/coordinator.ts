/**
 * The shard coordinator: a small HTTP endpoint next to the shared target (`fleetlab serve
 * reference` runs both) that shards ask where the target is and meet at named barriers.
 *
 *   GET  /target           → {target, options}: what `fleetlab run --coordinator URL` runs against
 *   POST /barrier/<name>   {shard, count, value} → answered once `count` shards arrived:
 *                          {values: {"<shard>": value, …}} (every shard gets the same answer)
 *   GET  /health           → {ok: true, barriers: {name: arrived}}
 *
 * Why an endpoint and not the target's state: a barrier over the target's node states only works
 * for targets fleetlab can read fleet-wide and tells a slow shard from a dead one by guessing; an
 * explicit barrier answers with every shard's own figures (what a fleet-wide wave decision needs)
 * and works whatever the target is. A barrier never times out here: the caller's run timeout and
 * signals bound the wait (a long poll the shard drops when it stops).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SharedTargetInfo {
  target: string;
  /** `--target-opt` values; `mapping: 'reference'` means the mapping file fleetlab ships. */
  options: Record<string, string>;
}

export interface Coordinator {
  url: string;
  close(): Promise<void>;
}

interface Barrier {
  count: number;
  values: Map<number, unknown>;
  waiting: ServerResponse[];
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

/** Joins `res` to the barrier; answers everyone once the last shard arrived. Returns an error text or null. */
function arrive(barriers: Map<string, Barrier>, name: string, body: unknown, res: ServerResponse): string | null {
  const b = body as { shard?: unknown; count?: unknown; value?: unknown };
  if (!Number.isInteger(b.shard) || !Number.isInteger(b.count) || (b.shard as number) < 1 || (b.shard as number) > (b.count as number)) return 'expected {shard, count, value} with 1 ≤ shard ≤ count';
  let bar = barriers.get(name);
  if (!bar) barriers.set(name, (bar = { count: b.count as number, values: new Map(), waiting: [] }));
  if (bar.count !== b.count) return `barrier '${name}' is for ${bar.count} shards, shard ${String(b.shard)} says ${String(b.count)}`;
  bar.values.set(b.shard as number, b.value ?? null);
  bar.waiting.push(res);
  // `>=` also answers a shard arriving again after the barrier completed (its first long poll
  // broke before the answer reached it): it gets the same values at once.
  if (bar.values.size >= bar.count) {
    const answer = { values: Object.fromEntries(bar.values) };
    for (const w of bar.waiting.splice(0)) send(w, 200, answer);
  }
  return null;
}

export async function startCoordinator(o: { host: string; port: number; target: SharedTargetInfo | null }): Promise<Coordinator> {
  const barriers = new Map<string, Barrier>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const barrier = /^\/barrier\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && path === '/target') return o.target ? send(res, 200, o.target) : send(res, 404, { error: 'this coordinator serves no shared target' });
    if (req.method === 'GET' && path === '/health') return send(res, 200, { ok: true, barriers: Object.fromEntries([...barriers].map(([k, b]) => [k, b.values.size])) });
    if (req.method === 'POST' && barrier) {
      readJson(req).then(
        (body) => {
          const err = arrive(barriers, decodeURIComponent(barrier[1]!), body, res);
          if (err) send(res, 400, { error: err });
        },
        (e: unknown) => send(res, 400, { error: `bad JSON: ${(e as Error).message}` }),
      );
      return;
    }
    send(res, 404, { error: `no route ${req.method} ${path}` });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: o.host, port: o.port }, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
