/**
 * Path router for the Redfish tree: literal segments and `{param}` segments, matched segment by
 * segment through a small trie (cost grows with path depth, not with the number of routes).
 *
 *   "/redfish/v1/Systems/{sid}/Actions/ComputerSystem.Reset"
 *      └ redfish └ v1 └ Systems └ {sid} └ Actions └ ComputerSystem.Reset ─▶ Route{op, methods}
 *
 * A route carries an `op` name used in bmc.request events ("GET System", "POST Reset").
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { BmcSystem } from '../bmc-system.ts';
import type { RedfishCore } from './redfish-core.ts';
import type { SystemState } from './system-state.ts';

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface Reply {
  /** Default 200. */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** What a handler sees of one request. Everything system-scoped is resolved before it runs. */
export interface Ctx {
  core: RedfishCore;
  method: Method;
  /** Normalised path (no trailing slash, no query). */
  path: string;
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (POST/PATCH); `{}` when empty. Malformed JSON was already answered with 400. */
  body: unknown;
  /** The system addressed by `{sid}` (present on every system-scoped route). */
  system: BmcSystem | undefined;
  /** Authenticated user name ('' on unauthenticated routes). */
  user: string;
  /** Credential key of the caller (user + password identity), '' when unauthenticated. */
  credKey: string;
  /** Session id when the caller used X-Auth-Token. */
  sessionId: string | undefined;
  /** Systems this listener exposes (undefined = all of the core's systems). */
  only: string | undefined;
}

export type Handler = (ctx: Ctx) => Reply | Promise<Reply>;

export interface RouteDef {
  /** Event op suffix, e.g. 'System' → "GET System". */
  op: string;
  /** Routes reachable without credentials (ServiceRoot, session login). Per method. */
  public?: Partial<Record<Method, true>>;
  methods: Partial<Record<Method, Handler>>;
}

interface Node {
  literal: Map<string, Node>;
  param?: { name: string; node: Node };
  route?: RouteDef;
}

function newNode(): Node {
  return { literal: new Map() };
}

export interface Match {
  route: RouteDef;
  params: Record<string, string>;
}

export class Router {
  private readonly root = newNode();

  add(pattern: string, def: RouteDef): void {
    let n = this.root;
    for (const seg of pattern.split('/').filter(Boolean)) {
      if (seg.startsWith('{') && seg.endsWith('}')) {
        const name = seg.slice(1, -1);
        n.param ??= { name, node: newNode() };
        if (n.param.name !== name) throw new Error(`route ${pattern}: parameter {${name}} clashes with {${n.param.name}}`);
        n = n.param.node;
      } else {
        let next = n.literal.get(seg);
        if (!next) n.literal.set(seg, (next = newNode()));
        n = next;
      }
    }
    if (n.route) throw new Error(`route ${pattern} defined twice`);
    n.route = def;
  }

  /** Literal segments win over parameters; no backtracking (the tree has no ambiguous shapes). */
  match(path: string): Match | undefined {
    let n = this.root;
    const params: Record<string, string> = {};
    let start = 1;
    while (start <= path.length) {
      let end = path.indexOf('/', start);
      if (end < 0) end = path.length;
      if (end > start) {
        const seg = path.slice(start, end);
        const lit = n.literal.get(seg);
        if (lit) n = lit;
        else if (n.param) {
          let v: string;
          try {
            v = decodeURIComponent(seg);
          } catch {
            return undefined;
          }
          params[n.param.name] = v;
          n = n.param.node;
        } else return undefined;
      }
      start = end + 1;
    }
    return n.route ? { route: n.route, params } : undefined;
  }
}

/** Fetch a lazily-created per-system state from the context (throws if the route has no {sid}). */
export function stateOf(ctx: Ctx): SystemState {
  if (!ctx.system) throw new Error(`route ${ctx.path} is not system-scoped`);
  return ctx.core.state(ctx.system);
}

export function systemOf(ctx: Ctx): BmcSystem {
  if (!ctx.system) throw new Error(`route ${ctx.path} is not system-scoped`);
  return ctx.system;
}
