/**
 * Site link profiles: parsing, validation, presets, per-site overrides and preset mixes.
 *
 *   lab spec `link` ──parseLinkInput──▶ LinkOverrides ──applyLinkOverrides(base)──▶ LinkProfile
 *   lab spec links  ──resolveSiteLinks(sites, rng)──▶ Map<site, LinkProfile>   (mix drawn seeded)
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
import { formatDuration, formatRate, parseNumberField, parseDuration, parseRate, parseShare } from '../base/units.ts';
import { isRecord, describeValue } from '../base/values.ts';

export type PartitionMode = 'none' | 'both' | 'up' | 'down';
export type JitterDistribution = 'uniform' | 'normal' | 'pareto';

export type LossModel =
  | { kind: 'random'; rate: number }
  /** Gilbert-Elliott: p = P(good→bad), r = P(bad→good), h = P(delivered|bad), k = P(delivered|good). */
  | { kind: 'gilbert-elliott'; p: number; r: number; h: number; k: number };

/** A fully resolved link profile: what the link models apply. Rates in bits/s (Infinity = unshaped). */
export interface LinkProfile {
  /** Preset the profile started from, if any (labels in reports). */
  preset?: PresetName;
  downBps: number;
  upBps: number;
  /** Added round-trip time, ms (each direction gets half). */
  latencyMs: number;
  /** Per-direction delay variation, ms. */
  jitterMs: number;
  jitterDistribution: JitterDistribution;
  loss: LossModel;
  partition: PartitionMode;
}

/** A partial profile: what a spec, an override or a link-degrade fault sets. */
export type LinkOverrides = Partial<LinkProfile>;

export const PRESET_NAMES = ['lan', 'metro-fiber', 'dsl', 'lte', 'satellite'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

const random = (rate: number): LossModel => ({ kind: 'random', rate });

export const LINK_PRESETS: Readonly<Record<PresetName, LinkProfile>> = Object.freeze({
  lan: { preset: 'lan', downBps: 1e9, upBps: 1e9, latencyMs: 0.2, jitterMs: 0, jitterDistribution: 'uniform', loss: random(0), partition: 'none' },
  'metro-fiber': { preset: 'metro-fiber', downBps: 500e6, upBps: 500e6, latencyMs: 5, jitterMs: 0.5, jitterDistribution: 'uniform', loss: random(0), partition: 'none' },
  dsl: { preset: 'dsl', downBps: 20e6, upBps: 2e6, latencyMs: 30, jitterMs: 3, jitterDistribution: 'uniform', loss: random(0.001), partition: 'none' },
  lte: { preset: 'lte', downBps: 30e6, upBps: 10e6, latencyMs: 60, jitterMs: 15, jitterDistribution: 'normal', loss: random(0.005), partition: 'none' },
  satellite: { preset: 'satellite', downBps: 25e6, upBps: 3e6, latencyMs: 600, jitterMs: 30, jitterDistribution: 'normal', loss: random(0.005), partition: 'none' },
});

/** No shaping at all: what a site without a link spec gets (same as passthroughLink). */
export const IDEAL_LINK: Readonly<LinkProfile> = Object.freeze({
  downBps: Infinity,
  upBps: Infinity,
  latencyMs: 0,
  jitterMs: 0,
  jitterDistribution: 'uniform',
  loss: random(0),
  partition: 'none',
});

/** Mean burst length (packets) when `lossModel: 'gilbert-elliott'` is given with a plain `loss`. */
export const DEFAULT_GE_BURST = 4;

const PROFILE_KEYS = [
  'preset', 'down', 'up', 'downMbit', 'upMbit', 'downKbit', 'upKbit', 'latency', 'latencyMs', 'jitter', 'jitterMs',
  'jitterDistribution', 'loss', 'lossPct', 'lossModel', 'partition',
] as const;

const PARTITIONS: readonly PartitionMode[] = ['none', 'both', 'up', 'down'];
const DISTRIBUTIONS: readonly JitterDistribution[] = ['uniform', 'normal', 'pareto'];

function isPreset(v: unknown): v is PresetName {
  return typeof v === 'string' && (PRESET_NAMES as readonly string[]).includes(v);
}

/** Mean loss probability of a model (stationary for Gilbert-Elliott). */
export function meanLoss(m: LossModel): number {
  if (m.kind === 'random') return m.rate;
  const pb = m.p + m.r === 0 ? 0 : m.p / (m.p + m.r);
  return (1 - pb) * (1 - m.k) + pb * (1 - m.h);
}

/** Gilbert-Elliott model with the given mean loss and mean burst length (h = 0, k = 1). */
export function burstLoss(loss: number, meanBurst = DEFAULT_GE_BURST): LossModel {
  if (loss <= 0) return random(0);
  if (loss >= 1) return random(1);
  const r = 1 / Math.max(1, meanBurst);
  return { kind: 'gilbert-elliott', p: Math.min(1, (loss * r) / (1 - loss)), r, h: 0, k: 1 };
}

/**
 * Parse one link input (a preset name string or an object of fields) into overrides; every
 * problem is collected with its path. Unknown keys are problems (typos must not pass silently).
 */
export function parseLinkInput(input: unknown, path: string, problems: Problems): LinkOverrides | undefined {
  if (typeof input === 'string') {
    if (isPreset(input)) return { ...LINK_PRESETS[input] };
    problems.add(path, `unknown link preset ${describeValue(input)}; expected one of ${PRESET_NAMES.join(', ')}`);
    return undefined;
  }
  if (!isRecord(input)) {
    problems.add(path, `expected a link profile object or a preset name (${PRESET_NAMES.join(', ')}), got ${describeValue(input)}`);
    return undefined;
  }
  const before = problems.list.length;
  const out: LinkOverrides = {};
  for (const key of Object.keys(input)) {
    if (!(PROFILE_KEYS as readonly string[]).includes(key)) problems.add(`${path}.${key}`, `unknown link field; expected one of ${PROFILE_KEYS.join(', ')}`);
  }
  if (input.preset !== undefined) {
    if (isPreset(input.preset)) Object.assign(out, LINK_PRESETS[input.preset]);
    else problems.add(`${path}.preset`, `unknown link preset ${describeValue(input.preset)}; expected one of ${PRESET_NAMES.join(', ')}`);
  }
  for (const dir of ['down', 'up'] as const) {
    const field = dir === 'down' ? 'downBps' : 'upBps';
    const given = [dir, `${dir}Mbit`, `${dir}Kbit`].filter((k) => input[k] !== undefined);
    if (given.length > 1) problems.add(`${path}.${given[1]!}`, `conflicts with ${path}.${given[0]!}; give the ${dir} rate once`);
    if (input[dir] !== undefined) {
      const v = input[dir];
      if (typeof v === 'number') problems.add(`${path}.${dir}`, `expected a rate like '20mbit' (a bare number has no unit; use ${dir}Mbit: ${v})`);
      else {
        const bps = parseRate(v, `${path}.${dir}`, problems);
        if (bps !== undefined) out[field] = bps;
      }
    }
    for (const [suffix, mult] of [['Mbit', 1e6], ['Kbit', 1e3]] as const) {
      const k = `${dir}${suffix}`;
      if (input[k] === undefined) continue;
      const n = parseNumberField(input[k], `${path}.${k}`, problems, `${suffix.toLowerCase()}/s`);
      if (n === undefined) continue;
      if (n === 0) problems.add(`${path}.${k}`, 'rate must be > 0 (use partition to cut a link)');
      else out[field] = n * mult;
    }
  }
  for (const name of ['latency', 'jitter'] as const) {
    const field = name === 'latency' ? 'latencyMs' : 'jitterMs';
    if (input[name] !== undefined && input[field] !== undefined) problems.add(`${path}.${field}`, `conflicts with ${path}.${name}; give it once`);
    if (input[name] !== undefined) {
      const v = input[name];
      if (typeof v === 'number') problems.add(`${path}.${name}`, `expected a duration like '40ms' (a bare number has no unit; use ${field}: ${v})`);
      else {
        const ms = parseDuration(v, `${path}.${name}`, problems);
        if (ms !== undefined) out[field] = ms;
      }
    }
    if (input[field] !== undefined) {
      const ms = parseNumberField(input[field], `${path}.${field}`, problems, 'milliseconds');
      if (ms !== undefined) out[field] = ms;
    }
  }
  if (input.jitterDistribution !== undefined) {
    const d = input.jitterDistribution;
    if (typeof d === 'string' && (DISTRIBUTIONS as readonly string[]).includes(d)) out.jitterDistribution = d as JitterDistribution;
    else problems.add(`${path}.jitterDistribution`, `expected one of ${DISTRIBUTIONS.join(', ')}, got ${describeValue(d)}`);
  }
  let lossRate: number | undefined;
  if (input.loss !== undefined && input.lossPct !== undefined) problems.add(`${path}.lossPct`, `conflicts with ${path}.loss; give it once`);
  if (input.loss !== undefined) lossRate = parseShare(input.loss, `${path}.loss`, problems);
  if (input.lossPct !== undefined) {
    const pct = parseNumberField(input.lossPct, `${path}.lossPct`, problems, 'percent', 0, 100);
    if (pct !== undefined) lossRate = pct / 100;
  }
  const lm = input.lossModel;
  if (lm === undefined || lm === 'random') {
    if (lossRate !== undefined) out.loss = random(lossRate);
  } else if (lm === 'gilbert-elliott') {
    if (lossRate === undefined) problems.add(`${path}.lossModel`, `'gilbert-elliott' without p/r needs a mean 'loss' (or give {model: 'gilbert-elliott', p, r, h, k})`);
    else out.loss = burstLoss(lossRate);
  } else if (isRecord(lm)) {
    const mp = `${path}.lossModel`;
    if (lm.model !== 'gilbert-elliott') problems.add(`${mp}.model`, `expected 'gilbert-elliott', got ${describeValue(lm.model)}`);
    for (const k of Object.keys(lm)) if (!['model', 'p', 'r', 'h', 'k'].includes(k)) problems.add(`${mp}.${k}`, 'unknown field; expected model, p, r, h, k');
    if (lm.p === undefined) problems.add(`${mp}.p`, 'required: P(good→bad) per packet, e.g. \'1%\'');
    if (lm.r === undefined) problems.add(`${mp}.r`, 'required: P(bad→good) per packet, e.g. \'25%\'');
    const p = lm.p === undefined ? undefined : parseShare(lm.p, `${mp}.p`, problems);
    const r = lm.r === undefined ? undefined : parseShare(lm.r, `${mp}.r`, problems);
    const h = lm.h === undefined ? 0 : parseShare(lm.h, `${mp}.h`, problems);
    const k = lm.k === undefined ? 1 : parseShare(lm.k, `${mp}.k`, problems);
    if (lossRate !== undefined) problems.add(`${path}.loss`, 'give either loss or explicit Gilbert-Elliott p/r/h/k, not both');
    if (p !== undefined && r !== undefined && h !== undefined && k !== undefined) out.loss = { kind: 'gilbert-elliott', p, r, h, k };
  } else {
    problems.add(`${path}.lossModel`, `expected 'random', 'gilbert-elliott' or {model: 'gilbert-elliott', p, r, h, k}, got ${describeValue(lm)}`);
  }
  if (input.partition !== undefined) {
    const v = input.partition;
    if (typeof v === 'string' && (PARTITIONS as readonly string[]).includes(v)) out.partition = v as PartitionMode;
    else problems.add(`${path}.partition`, `expected one of ${PARTITIONS.join(', ')}, got ${describeValue(v)}`);
  }
  return problems.list.length === before ? out : undefined;
}

/** Overrides on top of a base profile (later fields win; `preset` follows the overrides when they name one). */
export function applyLinkOverrides(base: LinkProfile, o: LinkOverrides): LinkProfile {
  const out: LinkProfile = { ...base, ...o };
  if (out.preset === undefined) delete out.preset;
  return out;
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
  if (spec === undefined) {
    for (const s of siteNames) out.set(s, { ...IDEAL_LINK });
    return out;
  }
  let base: unknown = spec;
  let perSite: unknown;
  if (isRecord(spec) && (spec.default !== undefined || spec.sites !== undefined)) {
    for (const k of Object.keys(spec)) if (k !== 'default' && k !== 'sites') problems.add(`${path}.${k}`, "unknown field next to 'default'/'sites'; put profile fields under 'default'");
    base = spec.default;
    perSite = spec.sites;
  }
  const basePath = base === spec ? path : `${path}.default`;
  const drawn = drawBase(base, siteNames, rng, basePath, problems);
  if (perSite !== undefined) {
    if (!isRecord(perSite)) problems.add(`${path}.sites`, `expected an object of site name → link profile, got ${describeValue(perSite)}`);
    else {
      const known = new Set(siteNames);
      for (const [name, input] of Object.entries(perSite)) {
        const p = `${path}.sites.${name}`;
        if (!known.has(name)) problems.add(p, `unknown site '${name}'`);
        const o = parseLinkInput(input, p, problems);
        if (o && drawn) {
          const start = o.preset !== undefined ? IDEAL_LINK : (drawn.get(name) ?? IDEAL_LINK);
          drawn.set(name, applyLinkOverrides(start, o));
        }
      }
    }
  }
  if (drawn) for (const s of siteNames) out.set(s, drawn.get(s) ?? { ...IDEAL_LINK });
  return out;
}

function drawBase(base: unknown, siteNames: string[], rng: Rng, path: string, problems: Problems): Map<string, LinkProfile> | undefined {
  const out = new Map<string, LinkProfile>();
  if (base === undefined) {
    for (const s of siteNames) out.set(s, { ...IDEAL_LINK });
    return out;
  }
  if (!(isRecord(base) && base.mix !== undefined)) {
    const p = parseLinkSpec(base, path, problems);
    if (!p) return undefined;
    for (const s of siteNames) out.set(s, p);
    return out;
  }
  const { mix, ...rest } = base;
  const o = parseLinkInput(rest, path, problems);
  if (rest.preset !== undefined) problems.add(`${path}.preset`, "a mix draws presets per site; remove 'preset' or 'mix'");
  const shares = parseMix(mix, `${path}.mix`, problems);
  if (!o || !shares) return undefined;
  const assignment = allocate(shares, siteNames.length, rng);
  siteNames.forEach((s, i) => out.set(s, applyLinkOverrides(LINK_PRESETS[assignment[i]!], o)));
  return out;
}

function parseMix(mix: unknown, path: string, problems: Problems): [PresetName, number][] | undefined {
  if (!isRecord(mix) || Object.keys(mix).length === 0) {
    problems.add(path, `expected shares per preset like {lte: '20%', dsl: 0.3, 'metro-fiber': 0.5}, got ${describeValue(mix)}`);
    return undefined;
  }
  const before = problems.list.length;
  const shares: [PresetName, number][] = [];
  for (const [name, v] of Object.entries(mix)) {
    if (!isPreset(name)) problems.add(`${path}.${name}`, `unknown link preset '${name}'; expected one of ${PRESET_NAMES.join(', ')}`);
    const share = parseShare(v, `${path}.${name}`, problems);
    if (isPreset(name) && share !== undefined) shares.push([name, share]);
  }
  if (problems.list.length !== before) return undefined;
  const sum = shares.reduce((a, [, s]) => a + s, 0);
  if (Math.abs(sum - 1) > 1e-6) {
    problems.add(path, `shares must sum to 100%, they sum to ${+(sum * 100).toFixed(4)}%`);
    return undefined;
  }
  return shares;
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
