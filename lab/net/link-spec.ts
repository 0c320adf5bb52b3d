/**
 * Site link profiles: parsing, validation, presets, per-site overrides and preset mixes.
 *
 *   lab spec `link` ──LinkInputSchema──▶ LinkOverrides ──applyLinkOverrides(base)──▶ LinkProfile
 *   lab spec links  ──SiteLinksSchema + resolveSiteLinks(sites, rng)──▶ Map<site, LinkProfile>   (mix drawn seeded)
 *
 * The grammar (fields, units, problems) is declared once in link-schema.ts; the resolved types
 * and presets live in link-profile.ts. This file resolves links per site.
 *
 * A profile describes both directions of one site's WAN link ('down' = core → site, 'up' =
 * site → core). Units:
 * - `down`/`up`: rates as tc writes them ('20mbit', '512kbit', '1gbit', 'unlimited'), or
 *   `downMbit`/`upMbit`/`downKbit`/`upKbit` numbers.
 * - `latency`: added ROUND-TRIP time ('40ms' or `latencyMs: 40`); each direction carries half
 *   (so a netem-based tier sets `delay latency/2` on each end). `latency: 100ms` = ping +100 ms.
 * - `jitter`: per-direction delay variation ('5ms' / `jitterMs`), `jitterDistribution`
 *   'uniform' (±jitter, netem's default), 'normal' (σ = jitter) or 'pareto' (heavy tail of
 *   late packets, mean 0). One-way delays never go below 0.
 * - `loss`: '0.5%' or a fraction (`loss: 0.005`), or `lossPct: 0.5`. `lossModel`: 'random'
 *   (default), 'gilbert-elliott' (bursts from `loss` with a mean burst of 4 packets), or
 *   `{model: 'gilbert-elliott', p, r, h?, k?}` with the literature's parameters:
 *   p = P(good→bad), r = P(bad→good), h = P(delivered | bad) (default 0),
 *   k = P(delivered | good) (default 1). netem's `gemodel p r 1-h 1-k` takes the same values.
 * - `partition`: 'none' | 'both' | 'up' | 'down' (one-way: only that direction is cut).
 *
 * Presets (realistic figures for edge sites; every field can be overridden):
 *
 *   preset        down      up       RTT     jitter  loss    typical
 *   lan           1gbit     1gbit    0.2ms   0       0       switched LAN, the ideal reference
 *   metro-fiber   500mbit   500mbit  5ms     0.5ms   0       metro Ethernet / FTTx business line
 *   dsl           20mbit    2mbit    30ms    3ms     0.1%    ADSL2+/VDSL on a long loop
 *   lte           30mbit    10mbit   60ms    15ms    0.5%    4G fixed-wireless router, mid signal
 *   satellite     25mbit    3mbit    600ms   30ms    0.5%    GEO VSAT (bent-pipe, no PEP)
 */
import type { Problems } from '../base/problem.ts';
import type { Rng } from '../base/rng.ts';
import { parseInto } from '../base/schema.ts';
import { formatDuration, formatRate } from '../base/units.ts';
import type { LinkOverrides, LinkProfile, PresetName } from './link-profile.ts';
import { IDEAL_LINK, LINK_PRESETS, applyLinkOverrides, meanLoss } from './link-profile.ts';
import { LinkInputSchema, SiteLinksSchema, type SiteLinks } from './link-schema.ts';

export type { JitterDistribution, LinkOverrides, LinkProfile, LossModel, PartitionMode, PresetName } from './link-profile.ts';
export { DEFAULT_GE_BURST, IDEAL_LINK, LINK_PRESETS, PRESET_NAMES, applyLinkOverrides, burstLoss, meanLoss } from './link-profile.ts';

/**
 * Parse one link input (a preset name string or an object of fields) into overrides; every
 * problem is collected with its path. Unknown keys are problems (typos must not pass silently).
 */
export function parseLinkInput(input: unknown, path: string, problems: Problems): LinkOverrides | undefined {
  return parseInto(LinkInputSchema, input, path, problems);
}

/**
 * Parse a complete link profile: a preset name or an object whose unset fields come from its
 * `preset` (or from the ideal, unshaped link when no preset is named).
 */
export function parseLinkSpec(input: unknown, path: string, problems: Problems): LinkProfile | undefined {
  const o = parseLinkInput(input, path, problems);
  return o && applyLinkOverrides(IDEAL_LINK, o);
}

/**
 * Resolve links for every site. `spec` is one of:
 * - a preset name or a link profile object: every site gets it;
 * - `{mix: {lte: 0.2, dsl: '30%', 'metro-fiber': 0.5}, ...fields}`: shares of sites per preset
 *   (shares sum to 1; counts by largest remainder, so 20 % of 100 sites is exactly 20; which
 *   sites get which preset is a seeded shuffle), other fields override every drawn preset;
 * - `{default: <profile or mix>, sites: {<site>: <profile>}}`: per-site overrides on top of the
 *   default (a site override naming a preset starts from that preset).
 * `undefined` gives every site the ideal link.
 */
export function resolveSiteLinks(spec: unknown, siteNames: string[], rng: Rng, path: string, problems: Problems): Map<string, LinkProfile> {
  const out = new Map<string, LinkProfile>();
  const parsed: SiteLinks | undefined = spec === undefined ? { kind: 'one', overrides: {} } : parseInto(SiteLinksSchema, spec, path, problems);
  if (parsed?.kind === 'per-site') {
    const known = new Set(siteNames);
    for (const name of Object.keys(parsed.sites)) if (!known.has(name)) problems.add(`${path}.sites.${name}`, `unknown site '${name}'`);
  }
  if (!parsed) return out;
  const base = parsed.kind === 'per-site' ? parsed.base : parsed.kind === 'mix' ? parsed : parsed.overrides;
  const drawn = new Map<string, LinkProfile>();
  if (base && 'mix' in base) {
    const assignment = allocate(base.mix, siteNames.length, rng);
    siteNames.forEach((s, i) => drawn.set(s, applyLinkOverrides(LINK_PRESETS[assignment[i]!], base.overrides)));
  } else for (const s of siteNames) drawn.set(s, applyLinkOverrides(IDEAL_LINK, base ?? {}));
  if (parsed.kind === 'per-site')
    for (const [name, o] of Object.entries(parsed.sites)) {
      const start = o.preset !== undefined ? IDEAL_LINK : (drawn.get(name) ?? IDEAL_LINK);
      drawn.set(name, applyLinkOverrides(start, o));
    }
  for (const s of siteNames) out.set(s, drawn.get(s) ?? { ...IDEAL_LINK });
  return out;
}

/**
 * Exact counts by largest remainder (deterministic tie-break by listing order), then a seeded
 * Fisher-Yates shuffle so which site gets which preset depends only on the seed.
 */
function allocate(shares: [PresetName, number][], n: number, rng: Rng): PresetName[] {
  const exact = shares.map(([name, s]) => ({ name, want: s * n, count: Math.floor(s * n) }));
  let left = n - exact.reduce((a, e) => a + e.count, 0);
  const byRemainder = exact.map((e, i) => ({ i, rem: e.want - e.count })).sort((a, b) => b.rem - a.rem || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left <= 0) break;
    exact[i]!.count++;
    left--;
  }
  const list: PresetName[] = [];
  for (const e of exact) for (let k = 0; k < e.count; k++) list.push(e.name);
  for (let i = list.length - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

/** One-line summary for plans and reports: `dsl 20mbit/2mbit rtt 30ms ±3ms loss 0.1%`. */
export function linkSummary(p: LinkProfile): string {
  const parts: string[] = [];
  if (p.preset) parts.push(p.preset);
  parts.push(`${formatRate(p.downBps)}/${formatRate(p.upBps)}`);
  if (p.latencyMs > 0) parts.push(`rtt ${formatDuration(p.latencyMs)}`);
  if (p.jitterMs > 0) parts.push(`±${formatDuration(p.jitterMs)}${p.jitterDistribution === 'uniform' ? '' : ` ${p.jitterDistribution}`}`);
  const loss = meanLoss(p.loss);
  if (loss > 0) parts.push(`loss ${+(loss * 100).toFixed(3)}%${p.loss.kind === 'gilbert-elliott' ? ' bursty' : ''}`);
  if (p.partition !== 'none') parts.push(`partition ${p.partition}`);
  return parts.join(' ');
}

/**
 * A scalar "how good is this link" for ordering sites in reports: the modelled seconds to move
 * 100 MB down plus 100 round trips, inflated by loss. Lower is better.
 */
export function linkCost(p: LinkProfile): number {
  if (p.partition !== 'none') return Infinity;
  const transfer = p.downBps === Infinity ? 0 : (100e6 * 8) / p.downBps;
  return (transfer + (100 * p.latencyMs) / 1000) / Math.max(0.01, 1 - meanLoss(p.loss) * 10);
}
