/**
 * Vendor paths ⇄ emulator paths for a persona. A real iDRAC serves /Systems/System.Embedded.1 and
 * /Managers/iDRAC.Embedded.1/VirtualMedia/CD; the emulator has one tree (/Systems/{id},
 * /Managers/{id}/VirtualMedia/Cd) for every persona. This file is the only translation between
 * them, so resource handlers stay persona-free:
 *
 *   inbound:  path as sent ─▶ ids (per-system listener only) ─▶ segment renames ─▶ aliases ─▶ route match
 *   outbound: every string in the reply body that is an emulator path ─▶ vendor path; `Id` follows
 *             its `@odata.id` (a renamed member also reports the vendor's Id)
 */
import type { RedfishPersona, SegmentRename } from './redfish-persona.ts';

const V1 = '/redfish/v1';

/** The renames in force: the persona's own, plus its fixed ids when the listener serves one system. */
function renamesOf(p: RedfishPersona, only: string | undefined): readonly SegmentRename[] {
  if (!p.ids || only === undefined) return p.renames ?? [];
  const sid = encodeURIComponent(only);
  return [
    { under: 'Systems', outside: p.ids.system, inside: sid },
    { under: 'Chassis', outside: p.ids.system, inside: sid },
    { under: 'Managers', outside: p.ids.manager, inside: sid },
    ...(p.renames ?? []),
  ];
}

function swapSegment(path: string, under: string, from: string, to: string): string {
  const needle = `/${under}/${from}`;
  let i = path.indexOf(needle);
  while (i >= 0) {
    const end = i + needle.length;
    if (end === path.length || path[end] === '/') return path.slice(0, i) + `/${under}/${to}` + path.slice(end);
    i = path.indexOf(needle, i + 1);
  }
  return path;
}

/** The emulator path for the path a client sent to this persona. */
export function pathIn(p: RedfishPersona, path: string, only: string | undefined): string {
  let out = path;
  for (const r of renamesOf(p, only)) out = swapSegment(out, r.under, r.outside, r.inside);
  for (const a of p.aliases ?? []) if (a.from.test(out)) out = out.replace(a.from, a.to);
  return out;
}

function pathOut(renames: readonly SegmentRename[], s: string): string {
  if (!s.startsWith(V1)) return s;
  let out = s;
  for (const r of renames) out = swapSegment(out, r.under, r.inside, r.outside);
  return out;
}

function walk(v: unknown, renames: readonly SegmentRename[]): unknown {
  if (typeof v === 'string') return pathOut(renames, v);
  if (Array.isArray(v)) return v.map((x) => walk(x, renames));
  if (v === null || typeof v !== 'object') return v;
  const src = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(src)) out[pathOut(renames, k)] = walk(x, renames);
  const id = src['@odata.id'];
  if (typeof id === 'string' && typeof src.Id === 'string' && id.replace(/\/$/, '').endsWith(`/${encodeURIComponent(src.Id)}`)) {
    const renamed = (out['@odata.id'] as string).replace(/\/$/, '');
    out.Id = decodeURIComponent(renamed.slice(renamed.lastIndexOf('/') + 1));
  }
  return out;
}

/** The reply body with emulator paths (and the Ids they carry) in the vendor's names. */
export function bodyOut<T>(p: RedfishPersona, body: T, only: string | undefined): T {
  const renames = renamesOf(p, only);
  return renames.length ? (walk(body, renames) as T) : body;
}

const ID_SEGMENT = /^\/redfish\/v1\/(?:Systems|Managers|Chassis)\/([^/]+)/;

/** On a listener where the vendor's fixed ids apply, fleetlab's own id for the system is not served. */
export function hidesOwnId(p: RedfishPersona, sent: string, only: string | undefined): boolean {
  if (!p.ids || only === undefined) return false;
  const m = ID_SEGMENT.exec(sent);
  return m !== null && m[1] === encodeURIComponent(only) && m[1] !== p.ids.system && m[1] !== p.ids.manager;
}
