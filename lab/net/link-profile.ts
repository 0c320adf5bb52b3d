/**
 * What a site's WAN link is once resolved: the profile type the link models apply, the presets
 * (realistic edge figures), the ideal unshaped link, and loss-model arithmetic. Parsing lives in
 * link-schema.ts (the grammar users write) and link-spec.ts (per-site resolution).
 */
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

export const PARTITIONS = ['none', 'both', 'up', 'down'] as const satisfies readonly PartitionMode[];
export const JITTER_DISTRIBUTIONS = ['uniform', 'normal', 'pareto'] as const satisfies readonly JitterDistribution[];

/** Independent (Bernoulli) loss at `rate`. */
export const randomLoss = (rate: number): LossModel => ({ kind: 'random', rate });
const random = randomLoss;

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

/** Overrides on top of a base profile (later fields win; `preset` follows the overrides when they name one). */
export function applyLinkOverrides(base: LinkProfile, o: LinkOverrides): LinkProfile {
  const out: LinkProfile = { ...base, ...o };
  if (out.preset === undefined) delete out.preset;
  return out;
}
