/**
 * What a resource handler is given and returns: the request context (everything system-scoped
 * already resolved and authenticated by the request pipeline) and the reply it hands back.
 *
 *   request pipeline ──▶ Ctx ──▶ Handler ──▶ Reply ──▶ reply writer
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { BmcSystem } from '../bmc-system.ts';
import type { EmulatorState } from './emulator-state.ts';
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
  core: EmulatorState;
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

/** Fetch a lazily-created per-system state from the context (throws if the route has no {sid}). */
export function stateOf(ctx: Ctx): SystemState {
  if (!ctx.system) throw new Error(`route ${ctx.path} is not system-scoped`);
  return ctx.core.state(ctx.system);
}

export function systemOf(ctx: Ctx): BmcSystem {
  if (!ctx.system) throw new Error(`route ${ctx.path} is not system-scoped`);
  return ctx.system;
}
