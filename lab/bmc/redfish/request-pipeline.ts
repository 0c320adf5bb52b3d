/**
 * The life of one Redfish request, from the socket to the answer and its bmc.request event.
 *
 *   resolveTarget: path ─▶ route match ─▶ system / owning BMC ─▶ event op
 *   respond:       BMC faults (hang/slow/5xx) ─▶ body bytes (413) ─▶ auth (Basic | X-Auth-Token,
 *                  per-BMC credentials: 401) ─▶ route (404) ─▶ method (405) ─▶ system (404)
 *                  ─▶ `$` query (501) ─▶ body decode (415 / 400) ─▶ persona.request ─▶ handler
 *                  ─▶ persona.reshape (personas/: how this BMC departs from the standard; 404 for
 *                     the paths it hides, checked with the route)
 *   persona:       the addressed system's own (BmcSystem.persona, from its hardware profile) or the
 *                  server's; vendor paths are translated to emulator paths before the route match
 *                  and back in every body (personas/persona-paths.ts)
 *   handleRequest: reply writer ; every failure ─▶ redfishErrorReply (the one error mapping)
 *                  every answer (or abandoned request) ─▶ one bmc.request event
 *
 * Event ops are "<METHOD> <route op>": collections are plural ("GET Systems"), members singular
 * ("GET System", "PATCH System"), actions by name ("POST Reset", "POST InsertMedia",
 * "POST SimpleUpdate"); unmatched paths are "<METHOD> Unknown". `bmc` is the system id the path
 * (or the per-system listener) addresses, '-' for service-wide resources. A request the client
 * abandoned (e.g. during a hang fault) is logged with status 'aborted'.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BmcSystem } from '../bmc-system.ts';
import type { EventSink } from '../../base/event.ts';
import type { EmulatorState } from './emulator-state.ts';
import type { Ctx, Method, Reply } from './handler-context.ts';
import type { Match, RouteTrie } from './route-trie.ts';
import { authenticate } from './request-auth.ts';
import { decodeBody, readBody } from './request-body.ts';
import { rejectUnsupportedQuery } from './query-options.ts';
import { applyBmcFaults } from './request-faults.ts';
import { redfishErrorReply, rfError } from './redfish-errors.ts';
import { writeReply } from './reply-writer.ts';
import type { RedfishPersona } from './personas/redfish-persona.ts';
import { PERSONAS } from './personas/persona-registry.ts';
import { bodyOut, hidesOwnId, pathIn } from './personas/persona-paths.ts';

/** What every request of one server shares. */
export interface PipelineDeps {
  core: EmulatorState;
  routes: RouteTrie;
  events: EventSink;
  /** How this BMC departs from the standards-complete emulator (personas/), unless the system has its own. */
  persona: RedfishPersona;
  /** True once the server is closing: late requests are dropped, not answered. */
  closed(): boolean;
}

/** Where a request goes, known before anything is read from it. */
interface Target {
  rawMethod: string;
  method: Method;
  head: boolean;
  /** The path as the client sent it (normalised). */
  sent: string;
  /** The emulator path it names (persona-paths.ts). */
  path: string;
  persona: RedfishPersona;
  match: Match | undefined;
  /** The system the path names, if this listener exposes it. */
  system: BmcSystem | undefined;
  /** The BMC that answers (and faults): the path's system, or the per-system listener's. */
  owner: BmcSystem | undefined;
  only: string | undefined;
}

export async function handleRequest(deps: PipelineDeps, req: IncomingMessage, res: ServerResponse, only: string | undefined): Promise<void> {
  const t0 = performance.now();
  const target = resolveTarget(deps, req, only);
  logWhenAnswered(deps.events, res, target, t0);
  try {
    const reply = await respond(deps, req, target, t0);
    if (reply !== undefined) writeReply(res, outbound(target, reply), target.head);
  } catch (e) {
    if (deps.closed() && res.destroyed) return;
    try {
      writeReply(res, outbound(target, redfishErrorReply(e)), target.head);
    } catch {
      // Even the error answer failed (e.g. the socket went away): drop the connection, never the server.
      res.destroy();
    }
  }
}

function resolveTarget(deps: PipelineDeps, req: IncomingMessage, only: string | undefined): Target {
  const rawMethod = req.method ?? 'GET';
  const head = rawMethod === 'HEAD';
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  let sent = q < 0 ? url : url.slice(0, q);
  if (sent.length > 1 && sent.endsWith('/')) sent = sent.slice(0, -1);
  const persona = personaOf(deps, sent, only);
  const path = pathIn(persona, sent, only);
  const match = deps.routes.match(path);
  const sid = match?.params.sid;
  // On a per-system listener only its own system exists; that BMC answers (and faults) for every path.
  let system = sid !== undefined ? deps.core.systems.get(sid) : undefined;
  if (only !== undefined && system && system.id !== only) system = undefined;
  const owner = only !== undefined ? deps.core.systems.get(only) : system;
  return { rawMethod, method: (head ? 'GET' : rawMethod) as Method, head, sent, path, persona, match, system, owner, only };
}

const SYSTEM_SCOPED = /^\/redfish\/v1\/(?:Systems|Managers|Chassis)\/([^/]+)/;

/**
 * The persona that answers: the per-system listener's system's, else the one the path names
 * (by its id segment, before any translation: only per-system listeners rename ids), else the server's.
 */
function personaOf(deps: PipelineDeps, sent: string, only: string | undefined): RedfishPersona {
  let id = only;
  if (id === undefined) {
    const m = SYSTEM_SCOPED.exec(sent);
    if (m) id = safeDecode(m[1]!);
  }
  const own = id !== undefined ? deps.core.systems.get(id)?.persona : undefined;
  return (own !== undefined ? PERSONAS.get(own) : undefined) ?? deps.persona;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The reply as the persona renders it: its error reshape (success bodies were reshaped in respond), then vendor paths. */
function outbound<R extends { status?: number; body?: unknown }>(t: Target, reply: R): R {
  let body = reply.body;
  if (!isObject(body)) return reply;
  if (t.persona.reshapeError && (reply.status ?? 200) >= 400) body = t.persona.reshapeError(t.path, body);
  return { ...reply, body: bodyOut(t.persona, body, t.only) };
}

/** One bmc.request event per request: when the answer is sent, or 'aborted' when the client left. */
function logWhenAnswered(events: EventSink, res: ServerResponse, t: Target, t0: number): void {
  const bmc = t.owner?.id ?? '-';
  const op = `${t.rawMethod} ${t.match?.route.op ?? 'Unknown'}`;
  let emitted = false;
  const emit = (status: number | string) => {
    if (emitted) return;
    emitted = true;
    events.emit({ kind: 'bmc.request', bmc, proto: 'redfish', op, status, ms: Math.round((performance.now() - t0) * 100) / 100 });
  };
  res.on('finish', () => emit(res.statusCode));
  res.on('close', () => emit(res.writableFinished ? res.statusCode : 'aborted'));
}

/** The reply to send, or undefined when nothing must be sent (hang fault, server closing). */
async function respond(deps: PipelineDeps, req: IncomingMessage, t: Target, t0: number): Promise<Reply | undefined> {
  const { core } = deps;
  const faulted = await applyBmcFaults(t.owner, req, core.opts.rng, t0);
  if (faulted === 'hang') return undefined;
  if (faulted) return faulted;

  const raw = await readBody(req, t.rawMethod);
  if (deps.closed()) return undefined;
  const route = t.match?.route;
  const caller = authenticate(core, req.headers, route?.public?.[t.method] === true, t.owner);

  const hidden = t.persona.hidden?.some((re) => re.test(t.sent)) === true || hidesOwnId(t.persona, t.sent, t.only);
  if (!t.match || !route || hidden) throw rfError('BMC_NOT_FOUND', `no resource at ${t.path}`, { args: ['Resource', t.path] });
  const h = route.methods[t.method];
  if (!h) {
    const allow = allowOf(route.methods);
    throw rfError('BMC_METHOD', `${t.rawMethod} is not allowed on ${t.path} (allowed: ${allow})`, { headers: { Allow: allow } });
  }
  const sid = t.match.params.sid;
  if (sid !== undefined && !t.system) throw rfError('BMC_NOT_FOUND', `no system '${sid}' on this service`, { args: ['ComputerSystem', sid] });
  rejectUnsupportedQuery(req.url ?? '');
  const body = decodeBody(raw, req.headers['content-type']);
  t.persona.request?.(t.method, t.path, body as Record<string, unknown>, req.headers);
  const ctx: Ctx = {
    core,
    method: t.method,
    path: t.path,
    params: t.match.params,
    headers: req.headers,
    body,
    system: t.system,
    user: caller.user,
    credKey: caller.key,
    sessionId: caller.sessionId,
    only: t.only,
  };
  const reply = await h(ctx);
  if (t.persona.reshape && isObject(reply.body)) reply.body = t.persona.reshape(t.path, reply.body);
  if (route.methods.GET && t.method === 'GET') reply.headers = { Allow: allowOf(route.methods), ...reply.headers };
  return reply;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function allowOf(methods: Partial<Record<Method, unknown>>): string {
  const m = Object.keys(methods);
  if (methods.GET) m.push('HEAD');
  return m.join(', ');
}
