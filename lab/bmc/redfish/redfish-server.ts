/**
 * Redfish BMC emulator: one HTTP(S) server for many systems under /redfish/v1/Systems/{id}
 * (sushy-tools layout), optionally one extra listener per system address.
 *
 *   request ─▶ route match ─▶ BMC faults (hang/slow/5xx) ─▶ body (JSON) ─▶ auth (Basic | X-Auth-Token,
 *     per-BMC credentials) ─▶ method check (405) ─▶ system lookup (404) ─▶ handler ─▶ JSON reply
 *        every failure ─▶ redfishErrorReply (the one error mapping) ; every answer ─▶ bmc.request event
 *
 * Scale: no per-system timers or closures; per-system BMC state is created on first write
 * (SystemState), sessions and tasks expire/progress lazily from the clock.
 *
 * Event ops are "<METHOD> <route op>": collections are plural ("GET Systems"), members singular
 * ("GET System", "PATCH System"), actions by name ("POST Reset", "POST InsertMedia",
 * "POST SimpleUpdate"); unmatched paths are "<METHOD> Unknown". `bmc` is the system id the path
 * (or the per-system listener) addresses, '-' for service-wide resources. A request the client
 * abandoned (e.g. during a hang fault) is logged with status 'aborted'.
 */
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { BmcSystem } from '../bmc-system.ts';
import type { EventSink } from '../../base/event.ts';
import { nullSink } from '../../base/event.ts';
import type { Clock } from '../../base/clock.ts';
import { realClock } from '../../base/clock.ts';
import type { Rng } from '../../base/rng.ts';
import { createRng } from '../../base/rng.ts';
import { FleetlabError } from '../../base/errors.ts';
import { RedfishCore, credKey } from './redfish-core.ts';
import { Router } from './redfish-router.ts';
import type { Ctx, Method, Reply } from './redfish-router.ts';
import { redfishErrorReply, rfError } from './redfish-errors.ts';
import { registerRoutes } from './redfish-routes.ts';
import { selfSignedCert } from './tls-cert.ts';
import type { TlsMaterial } from './tls-cert.ts';

export interface RedfishServerOptions {
  systems: BmcSystem[];
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Serve HTTPS with a self-signed certificate generated at start. */
  tls?: boolean;
  /** Every request → bmc.request {bmc: systemId | '-', proto: 'redfish', op: 'GET System' | 'POST Reset' | …}. */
  events?: EventSink;
  /** Session inactivity timeout, seconds (default 1800). */
  sessionTimeoutSec?: number;
  /** Live sessions before POST Sessions answers 503 SessionLimitExceeded (default 64). */
  maxSessions?: number;
  /** Also listen on each system's `redfish` {host, port} when set; that listener exposes only that system. */
  perSystemListeners?: boolean;
  /** Clock for session expiry and task progress (default real time). */
  clock?: Clock;
  /** Randomness for the errorRate fault (default a fixed seed). */
  rng?: Rng;
  /** Longest a Reset waits for the machine's power transition before answering 204 (ms, default 1000). */
  resetWaitMs?: number;
  /** Duration of a SimpleUpdate task (clock ms, default 3000). */
  updateTaskMs?: number;
}

export interface RedfishServer {
  url: string;
  close(): Promise<void>;
  addSystem(s: BmcSystem): void;
  removeSystem(id: string): void;
  /** Base URL of a system's own listener (perSystemListeners), once it is listening. */
  systemUrl(id: string): string | undefined;
}

/** Request bodies above this are refused (413); nothing legitimate comes close. */
const MAX_BODY_BYTES = 1 << 20;

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8', 'OData-Version': '4.0', 'Cache-Control': 'no-cache' };

let router: Router | undefined;
function theRouter(): Router {
  if (!router) {
    router = new Router();
    registerRoutes(router);
  }
  return router;
}

export async function startRedfishServer(o: RedfishServerOptions): Promise<RedfishServer> {
  const host = o.host ?? '127.0.0.1';
  const events = o.events ?? nullSink;
  const clock = o.clock ?? realClock();
  const core = new RedfishCore({
    clock,
    rng: o.rng ?? createRng(0x5edf15).child('redfish'),
    sessionTimeoutSec: o.sessionTimeoutSec ?? 1800,
    maxSessions: o.maxSessions ?? 64,
    resetWaitMs: o.resetWaitMs ?? 1000,
    updateTaskMs: o.updateTaskMs ?? 3000,
  });
  for (const s of o.systems) core.add(s);
  const routes = theRouter();
  let tls: TlsMaterial | undefined;
  if (o.tls) {
    const ips = [host, ...o.systems.flatMap((s) => (o.perSystemListeners && s.redfish ? [s.redfish.host] : []))];
    tls = await selfSignedCert(ips);
  }

  const servers = new Set<Server>();
  const perSystem = new Map<string, Server>();
  const perSystemUrl = new Map<string, string>();
  let closed = false;

  const makeServer = (only: string | undefined): Server => {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      void handle(req, res, only);
    };
    const srv = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, handler) : createHttpServer(handler);
    srv.keepAliveTimeout = 30_000;
    // A client that never finishes its headers must not pin a socket forever.
    srv.headersTimeout = 30_000;
    servers.add(srv);
    return srv;
  };

  const listen = (srv: Server, h: string, port: number) =>
    new Promise<AddressInfo>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, h, () => {
        srv.off('error', reject);
        resolve(srv.address() as AddressInfo);
      });
    });

  const startPerSystem = async (s: BmcSystem) => {
    if (!o.perSystemListeners || !s.redfish || closed) return;
    const srv = makeServer(s.id);
    perSystem.set(s.id, srv);
    const a = await listen(srv, s.redfish.host, s.redfish.port);
    perSystemUrl.set(s.id, urlOf(a));
  };
  const urlOf = (a: AddressInfo) => `${tls ? 'https' : 'http'}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;

  async function handle(req: IncomingMessage, res: ServerResponse, only: string | undefined): Promise<void> {
    const t0 = performance.now();
    const rawMethod = req.method ?? 'GET';
    const head = rawMethod === 'HEAD';
    const method = (head ? 'GET' : rawMethod) as Method;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    let path = q < 0 ? url : url.slice(0, q);
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    const match = routes.match(path);
    const sid = match?.params.sid;
    // On a per-system listener only its own system exists; that BMC answers (and faults) for every path.
    let system = sid !== undefined ? core.systems.get(sid) : undefined;
    if (only !== undefined && system && system.id !== only) system = undefined;
    const owner = only !== undefined ? core.systems.get(only) : system;
    const bmc = owner?.id ?? '-';
    const op = `${rawMethod} ${match?.route.op ?? 'Unknown'}`;
    let emitted = false;
    const emit = (status: number | string) => {
      if (emitted) return;
      emitted = true;
      events.emit({ kind: 'bmc.request', bmc, proto: 'redfish', op, status, ms: Math.round((performance.now() - t0) * 100) / 100 });
    };
    res.on('finish', () => emit(res.statusCode));
    res.on('close', () => emit(res.writableFinished ? res.statusCode : 'aborted'));

    const send = (reply: Reply) => {
      if (res.headersSent || res.destroyed) return;
      const status = reply.status ?? 200;
      const headers: Record<string, string | number> = { ...JSON_HEADERS, ...reply.headers };
      if (status === 204 || reply.body === undefined) {
        delete headers['Content-Type'];
        res.writeHead(status, headers);
        res.end();
        return;
      }
      const text = JSON.stringify(reply.body);
      headers['Content-Length'] = Buffer.byteLength(text);
      res.writeHead(status, headers);
      res.end(head ? undefined : text);
    };

    try {
      const faults = owner?.faults;
      if (faults) {
        if (faults.hang) {
          // Accept and never answer; the socket stays open until the client gives up or we close.
          req.resume();
          return;
        }
        if (faults.slowMs > 0) await delayAtLeast(faults.slowMs, t0);
        if (faults.errorRate > 0 && core.opts.rng.next() < faults.errorRate) {
          req.resume();
          const r = redfishErrorReply(
            faults.errorStatus === 503
              ? rfError('BMC_UNAVAILABLE', `BMC ${bmc} is temporarily unavailable (injected fault)`, { args: ['1'], headers: { 'Retry-After': '1' } })
              : rfError('BMC_INTERNAL', `BMC ${bmc} failed the request (injected fault)`),
          );
          send({ ...r, status: faults.errorStatus });
          return;
        }
      }

      const body = await readBody(req, rawMethod);
      if (closed) return;

      // Authentication (everything but the public routes).
      const route = match?.route;
      const isPublic = route?.public?.[method] === true;
      let user = '';
      let key = '';
      let sessionId: string | undefined;
      if (!isPublic) {
        const token = req.headers['x-auth-token'];
        if (typeof token === 'string' && token !== '') {
          const s = core.sessions.touch(token);
          if (!s) throw unauthorized('X-Auth-Token does not name a live session');
          user = s.username;
          key = s.credKey;
          sessionId = s.id;
        } else {
          const basic = parseBasic(req.headers.authorization);
          if (!basic) throw unauthorized('no credentials: send HTTP Basic or X-Auth-Token');
          user = basic.user;
          key = credKey(basic.user, basic.password);
        }
        const scope = owner;
        if (scope) {
          if (key !== credKey(scope.credentials.username, scope.credentials.password)) throw unauthorized(`credentials refused by BMC ${scope.id}`);
          if (scope.faults?.authFailure) throw unauthorized(`credentials refused by BMC ${scope.id} (injected auth failure)`);
        } else if (!core.knownCred(key)) throw unauthorized('credentials match no BMC on this service');
      }

      if (!match || !route) throw rfError('BMC_NOT_FOUND', `no resource at ${path}`, { args: ['Resource', path] });
      const h = route.methods[method];
      if (!h) {
        const allow = allowOf(route.methods);
        throw rfError('BMC_METHOD', `${rawMethod} is not allowed on ${path} (allowed: ${allow})`, { headers: { Allow: allow } });
      }
      if (sid !== undefined && !system) {
        throw rfError('BMC_NOT_FOUND', `no system '${sid}' on this service`, { args: ['ComputerSystem', sid] });
      }
      const ctx: Ctx = { core, method, path, params: match.params, headers: req.headers, body, system, user, credKey: key, sessionId, only };
      const reply = await h(ctx);
      if (route.methods.GET && method === 'GET') reply.headers = { Allow: allowOf(route.methods), ...reply.headers };
      send(reply);
    } catch (e) {
      if (closed && res.destroyed) return;
      try {
        send(redfishErrorReply(e));
      } catch {
        // Even the error answer failed (e.g. the socket went away): drop the connection, never the server.
        res.destroy();
      }
    }
  }

  function readBody(req: IncomingMessage, method: string): Promise<unknown> {
    if (method !== 'POST' && method !== 'PATCH' && method !== 'PUT') {
      req.resume();
      return Promise.resolve({});
    }
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let tooBig = false;
      req.on('data', (c: Buffer) => {
        if (tooBig) return;
        size += c.length;
        if (size > MAX_BODY_BYTES) {
          // Answer now and drop the connection after the answer (the rest of the body is never read).
          tooBig = true;
          chunks.length = 0;
          reject(rfError('BMC_PAYLOAD_TOO_LARGE', `request body exceeds ${MAX_BODY_BYTES} bytes`, { headers: { Connection: 'close' } }));
          return;
        }
        chunks.push(c);
      });
      req.on('error', reject);
      req.on('end', () => {
        if (tooBig) return;
        const text = Buffer.concat(chunks).toString('utf8').trim();
        if (text === '') return resolve({});
        let v: unknown;
        try {
          v = JSON.parse(text);
        } catch (e) {
          return reject(rfError('BMC_MALFORMED_JSON', `request body is not JSON: ${(e as Error).message}`));
        }
        if (v === null || typeof v !== 'object' || Array.isArray(v)) return reject(rfError('BMC_MALFORMED_JSON', 'request body must be a JSON object'));
        resolve(v);
      });
    });
  }

  const closeAll = () =>
    Promise.all(
      [...servers].map(
        (srv) =>
          new Promise<void>((resolve) => {
            if (!srv.listening) return resolve();
            srv.close(() => resolve());
            srv.closeAllConnections();
          }),
      ),
    );

  const main = makeServer(undefined);
  let addr: AddressInfo;
  try {
    addr = await listen(main, host, o.port ?? 0);
    for (const s of o.systems) await startPerSystem(s);
  } catch (e) {
    // One address that cannot be bound fails the start; nothing stays listening.
    closed = true;
    await closeAll();
    core.close();
    throw e;
  }

  return {
    url: urlOf(addr),
    systemUrl: (id) => perSystemUrl.get(id),
    addSystem(s) {
      core.add(s);
      // Errors binding a per-system address are reported on stderr-less paths as an event.
      startPerSystem(s).catch((e: unknown) =>
        events.emit({ kind: 'log', level: 'error', msg: `redfish listener for ${s.id} on ${s.redfish?.host}:${s.redfish?.port}: ${(e as Error).message}` }),
      );
    },
    removeSystem(id) {
      core.remove(id);
      const srv = perSystem.get(id);
      perSystemUrl.delete(id);
      if (srv) {
        perSystem.delete(id);
        servers.delete(srv);
        srv.close();
        srv.closeAllConnections();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await closeAll();
      core.close();
    },
  };
}

function unauthorized(message: string): FleetlabError {
  return rfError('BMC_UNAUTHORIZED', message, { headers: { 'WWW-Authenticate': 'Basic realm="fleetlab"' } });
}

function parseBasic(h: string | undefined): { user: string; password: string } | undefined {
  if (!h || !/^basic /i.test(h)) return undefined;
  const dec = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
  const i = dec.indexOf(':');
  if (i < 0) return undefined;
  return { user: dec.slice(0, i), password: dec.slice(i + 1) };
}

function allowOf(methods: Partial<Record<Method, unknown>>): string {
  const m = Object.keys(methods);
  if (methods.GET) m.push('HEAD');
  return m.join(', ');
}

/**
 * Wait until at least `ms` have passed since `since` (performance.now()): setTimeout may fire a
 * fraction of a millisecond early by that clock, and a slow-BMC fault promises a minimum delay.
 */
async function delayAtLeast(ms: number, since: number): Promise<void> {
  for (let left = ms - (performance.now() - since); left > 0; left = ms - (performance.now() - since)) {
    await new Promise((r) => setTimeout(r, Math.max(1, Math.ceil(left))));
  }
}
