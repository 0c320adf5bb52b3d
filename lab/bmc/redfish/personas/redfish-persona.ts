/**
 * A BMC persona: how one family of real BMCs departs from the standards-complete emulator, as
 * one object of optional hooks the request pipeline calls. Adding a persona = one file in this
 * folder (saying which documented behaviour it models and where that is documented) + one line
 * in persona-registry.ts.
 *
 *   request ─▶ hidden? (404, as on a BMC without that resource, tested on the path as sent)
 *     ─▶ vendor path ─▶ emulator path (ids on a per-system listener, renames, aliases: persona-paths.ts)
 *     ─▶ request() rewrites/refuses the decoded body ─▶ generic handler
 *     ─▶ reshape() / reshapeError() rewrite the reply ─▶ emulator paths in it ─▶ vendor paths ─▶ client
 *
 * `deviations` is the machine-readable contract with `fleetlab certify`: against this persona,
 * the failing checks are exactly these (ids are stable; descriptions are one line).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Method } from '../handler-context.ts';

/** One documented way this persona departs from the generic (standards-complete) persona. */
export interface PersonaDeviation {
  /** Stable id, `<persona>-<what>`, e.g. 'ilo-if-match-required'. */
  readonly id: string;
  readonly description: string;
}

/**
 * A path segment the vendor names differently: `/<under>/<outside>` on the wire is
 * `/<under>/<inside>` in the emulator (both directions), e.g. iLO's `VirtualMedia/2` ⇄ `VirtualMedia/Cd`.
 */
export interface SegmentRename {
  readonly under: string;
  readonly outside: string;
  readonly inside: string;
}

/** An extra vendor path answered by an emulator resource (inbound only), e.g. an OEM action target. */
export interface PathAlias {
  readonly from: RegExp;
  /** Replacement (String.replace syntax, `$1` …) giving the emulator path. */
  readonly to: string;
}

export interface RedfishPersona {
  /** Name used by `bmc serve --persona`, hardware profiles' `bmc.persona` and startRedfishServer({persona}). */
  readonly name: string;
  /** One line for `--help` and logs: whose BMC this behaves like. */
  readonly summary: string;
  /** Departures from the generic persona a standards check can observe (empty for generic). */
  readonly deviations: readonly PersonaDeviation[];
  /** Vendor additions (OEM sections, extra URIs) that break no standard: documented, not deviations. */
  readonly extensions?: readonly PersonaDeviation[];
  /**
   * The vendor's fixed resource ids (a real BMC serves one system). Used on a per-system listener
   * only: the shared listener serves many systems, so there they keep the system id.
   */
  readonly ids?: { readonly system: string; readonly manager: string };
  readonly renames?: readonly SegmentRename[];
  readonly aliases?: readonly PathAlias[];
  /** Paths this BMC does not serve (as the client sends them): answered 404 before any handler runs. */
  readonly hidden?: readonly RegExp[];
  /**
   * Rewrite (mutate) or refuse (throw an rfError) a decoded request body before the generic
   * handler sees it — e.g. a BMC that stores every boot override as Continuous. `path` is the
   * emulator path; `headers` the request's.
   */
  request?(method: Method, path: string, body: Record<string, unknown>, headers: IncomingHttpHeaders): void;
  /**
   * A successful reply body as this BMC renders it, at the emulator path. Must return a new
   * object when it changes anything: handlers may hand out cached bodies.
   */
  reshape?(path: string, body: Record<string, unknown>): Record<string, unknown>;
  /** An error body (`{error: {code, …}}`) as this BMC renders it (e.g. its Base registry version). */
  reshapeError?(path: string, body: Record<string, unknown>): Record<string, unknown>;
}
