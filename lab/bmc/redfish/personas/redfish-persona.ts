/**
 * A BMC persona: how one family of real BMCs departs from the standards-complete emulator, as
 * one object of optional hooks the request pipeline calls. Adding a persona = one file in this
 * folder (saying which documented behaviour it models and where that is documented) + one line
 * in persona-registry.ts.
 *
 *   request ─▶ hidden? (404, as on a BMC without that resource) ─▶ request() rewrites/refuses
 *     the decoded body ─▶ generic handler ─▶ reshape() rewrites the reply body ─▶ client
 */
import type { Method } from '../handler-context.ts';

export interface RedfishPersona {
  /** Name used by `bmc serve --persona` and startRedfishServer({persona}). */
  readonly name: string;
  /** One line for `--help` and logs: whose BMC this behaves like. */
  readonly summary: string;
  /** Paths this BMC does not serve: answered 404 ResourceNotFound before any handler runs. */
  readonly hidden?: readonly RegExp[];
  /**
   * Rewrite (mutate) or refuse (throw an rfError) a decoded request body before the generic
   * handler sees it — e.g. a BMC that stores every boot override as Continuous.
   */
  request?(method: Method, path: string, body: Record<string, unknown>): void;
  /**
   * The reply body as this BMC renders it. Must return a new object when it changes anything:
   * handlers may hand out cached bodies.
   */
  reshape?(path: string, body: Record<string, unknown>): Record<string, unknown>;
}
