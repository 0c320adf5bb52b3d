/**
 * The grammar of a site link as users write it (lab.link, lab.sites[i].link, link-degrade
 * params), as zod schemas: one declaration gives validation with every problem and its path,
 * the output type (LinkOverrides), and the JSON Schema editors complete from.
 *
 *   'lte' | {preset?, down|downMbit|downKbit, up…, latency|latencyMs, jitter|jitterMs,
 *            jitterDistribution, loss|lossPct, lossModel, partition}     ──▶ LinkOverrides
 *   lab.link: the above | {mix: {lte: '20%', …}, …fields} | {default: …, sites: {name: …}}
 *
 * Units go through lab/base/units.ts; a bare number is refused where the field name does not
 * carry the unit (`down: 20` → "use downMbit: 20").
 */
import { z } from 'zod';
import type { Problems } from '../base/problem.ts';
import { byShape, sibling, strict, unitField } from '../base/schema.ts';
import { parseDuration, parseNumberField, parseRate, parseShare } from '../base/units.ts';
import { describeValue, isRecord } from '../base/values.ts';
import type { LinkOverrides, LossModel, PresetName } from './link-profile.ts';
import { JITTER_DISTRIBUTIONS, LINK_PRESETS, PARTITIONS, PRESET_NAMES, burstLoss, randomLoss } from './link-profile.ts';

type Parser<T> = (v: unknown, path: string, problems: Problems) => T | undefined;

const unknownPreset = (v: unknown) => `unknown link preset ${describeValue(v)}; expected one of ${PRESET_NAMES.join(', ')}`;
export const PresetSchema = z.enum(PRESET_NAMES, { error: (iss) => unknownPreset(iss.input) });

/** A unit string, refusing a bare number with the field that takes one (`use downMbit: 20`). */
function unitString<T>(parse: Parser<T>, expected: string, numberField: string, description: string) {
  const p: Parser<T> = (v, path, problems) => {
    if (typeof v !== 'number') return parse(v, path, problems);
    problems.add(path, `expected ${expected} (a bare number has no unit; use ${numberField}: ${v})`);
    return undefined;
  };
  return unitField(p, z.string(), description).optional();
}

const positiveRate = (unit: string, mult: number): Parser<number> => (v, path, problems) => {
  const n = parseNumberField(v, path, problems, `${unit}/s`);
  if (n === 0) problems.add(path, 'rate must be > 0 (use partition to cut a link)');
  return n === undefined || n === 0 ? undefined : n * mult;
};
const numberIn = (what: string, min = 0, max = Infinity): Parser<number> => (v, path, problems) => parseNumberField(v, path, problems, what, min, max);
const share = unitField(parseShare, z.union([z.string(), z.number()]), "a percentage like '0.5%' or a fraction in [0, 1]");
const required = (what: string): Parser<number> => (v, path, problems) => {
  if (v !== undefined) return parseShare(v, path, problems);
  problems.add(path, `required: ${what} per packet, e.g. '${what.includes('good→bad') ? '1%' : '25%'}'`);
  return undefined;
};

/** `{model: 'gilbert-elliott', p, r, h?, k?}` with the literature's parameters. */
const GilbertElliottSchema = strict(
  {
    model: z.literal('gilbert-elliott', { error: (iss) => `expected 'gilbert-elliott', got ${describeValue(iss.input)}` }),
    p: unitField(required('P(good→bad)'), z.union([z.string(), z.number()]), 'P(good→bad) per packet'),
    r: unitField(required('P(bad→good)'), z.union([z.string(), z.number()]), 'P(bad→good) per packet'),
    h: share.optional(),
    k: share.optional(),
  },
  'unknown field; expected model, p, r, h, k',
);

const LossModelSchema = byShape<'random' | 'gilbert-elliott' | z.output<typeof GilbertElliottSchema>>(
  [
    { when: (v) => v === 'random' || v === 'gilbert-elliott', schema: z.enum(['random', 'gilbert-elliott']) },
    { when: isRecord, schema: GilbertElliottSchema },
  ],
  (v) => `expected 'random', 'gilbert-elliott' or {model: 'gilbert-elliott', p, r, h, k}, got ${describeValue(v)}`,
  z.union([z.enum(['random', 'gilbert-elliott']), GilbertElliottSchema]),
);

const LINK_FIELDS = {
  preset: PresetSchema.optional(),
  down: unitString(parseRate, "a rate like '20mbit'", 'downMbit', "core → site rate like '20mbit', '512kbit', 'unlimited'"),
  up: unitString(parseRate, "a rate like '20mbit'", 'upMbit', "site → core rate like '2mbit'"),
  downMbit: unitField(positiveRate('mbit', 1e6), z.number()).optional(),
  upMbit: unitField(positiveRate('mbit', 1e6), z.number()).optional(),
  downKbit: unitField(positiveRate('kbit', 1e3), z.number()).optional(),
  upKbit: unitField(positiveRate('kbit', 1e3), z.number()).optional(),
  latency: unitString(parseDuration, "a duration like '40ms'", 'latencyMs', "added round-trip time like '40ms'"),
  latencyMs: unitField(numberIn('milliseconds'), z.number()).optional(),
  jitter: unitString(parseDuration, "a duration like '40ms'", 'jitterMs', "per-direction delay variation like '5ms'"),
  jitterMs: unitField(numberIn('milliseconds'), z.number()).optional(),
  jitterDistribution: z.enum(JITTER_DISTRIBUTIONS, { error: (iss) => `expected one of ${JITTER_DISTRIBUTIONS.join(', ')}, got ${describeValue(iss.input)}` }).optional(),
  loss: share.optional(),
  lossPct: unitField(numberIn('percent', 0, 100), z.number()).optional(),
  lossModel: LossModelSchema.optional(),
  partition: z.enum(PARTITIONS, { error: (iss) => `expected one of ${PARTITIONS.join(', ')}, got ${describeValue(iss.input)}` }).optional(),
};
type LinkFields = z.output<z.ZodObject<typeof LINK_FIELDS>>;
const LINK_KEYS = Object.keys(LINK_FIELDS);

/** Rules between fields: each needs only to know which fields are given, so it runs next to field problems. */
function crossFieldRules(o: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const given = (k: string) => o[k] !== undefined;
  const conflict = (later: string, first: string, what: string) => ctx.addIssue({ code: 'custom', path: [later], message: `conflicts with ${sibling(first)}; ${what}` });
  for (const dir of ['down', 'up']) {
    const list = [dir, `${dir}Mbit`, `${dir}Kbit`].filter(given);
    if (list.length > 1) conflict(list[1]!, list[0]!, `give the ${dir} rate once`);
  }
  if (given('latency') && given('latencyMs')) conflict('latencyMs', 'latency', 'give it once');
  if (given('jitter') && given('jitterMs')) conflict('jitterMs', 'jitter', 'give it once');
  if (given('loss') && given('lossPct')) conflict('lossPct', 'loss', 'give it once');
  const lossGiven = given('loss') || given('lossPct');
  if (o.lossModel === 'gilbert-elliott' && !lossGiven)
    ctx.addIssue({ code: 'custom', path: ['lossModel'], message: "'gilbert-elliott' without p/r needs a mean 'loss' (or give {model: 'gilbert-elliott', p, r, h, k})" });
  // A field that failed its own check is z.NEVER here (already reported), not a model object.
  if (isRecord(o.lossModel) && o.lossModel !== z.NEVER && lossGiven) ctx.addIssue({ code: 'custom', path: ['loss'], message: 'give either loss or explicit Gilbert-Elliott p/r/h/k, not both' });
}

function toOverrides(f: LinkFields): LinkOverrides {
  const out: LinkOverrides = f.preset ? { ...LINK_PRESETS[f.preset] } : {};
  const down = f.down ?? f.downMbit ?? f.downKbit;
  const up = f.up ?? f.upMbit ?? f.upKbit;
  if (down !== undefined) out.downBps = down;
  if (up !== undefined) out.upBps = up;
  const latency = f.latency ?? f.latencyMs;
  const jitter = f.jitter ?? f.jitterMs;
  if (latency !== undefined) out.latencyMs = latency;
  if (jitter !== undefined) out.jitterMs = jitter;
  if (f.jitterDistribution) out.jitterDistribution = f.jitterDistribution;
  const rate = f.loss ?? (f.lossPct === undefined ? undefined : f.lossPct / 100);
  const lm = f.lossModel;
  let loss: LossModel | undefined;
  if (lm === undefined || lm === 'random') loss = rate === undefined ? undefined : randomLoss(rate);
  else if (lm === 'gilbert-elliott') loss = burstLoss(rate!);
  else loss = { kind: 'gilbert-elliott', p: lm.p, r: lm.r, h: lm.h ?? 0, k: lm.k ?? 1 };
  if (loss) out.loss = loss;
  if (f.partition) out.partition = f.partition;
  return out;
}

const onObjects = { when: (p: { value: unknown }) => isRecord(p.value) };
const LinkObjectSchema = strict(LINK_FIELDS, `unknown link field; expected one of ${LINK_KEYS.join(', ')}`);
const expectedLink = (v: unknown) =>
  typeof v === 'string' ? unknownPreset(v) : `expected a link profile object or a preset name (${PRESET_NAMES.join(', ')}), got ${describeValue(v)}`;

/** One link: a preset name or a profile object → the overrides it sets. */
export const LinkInputSchema = byShape<LinkOverrides>(
  [
    { when: (v) => typeof v === 'string' && (PRESET_NAMES as readonly string[]).includes(v), schema: PresetSchema.transform((p) => ({ ...LINK_PRESETS[p] })) },
    { when: isRecord, schema: LinkObjectSchema.superRefine(crossFieldRules, onObjects).transform(toOverrides) },
  ],
  expectedLink,
  z.union([PresetSchema, LinkObjectSchema]).describe('a WAN link preset or profile'),
);

/** `{lte: '20%', dsl: 0.3, 'metro-fiber': 0.5}`: shares of sites per preset, summing to 100 %. */
export const MixSchema = z
  .record(z.string(), share, { error: (iss) => `expected shares per preset like {lte: '20%', dsl: 0.3, 'metro-fiber': 0.5}, got ${describeValue(iss.input)}` })
  .superRefine((m, ctx) => {
    for (const name of Object.keys(m)) if (!(PRESET_NAMES as readonly string[]).includes(name)) ctx.addIssue({ code: 'custom', path: [name], message: `unknown link preset '${name}'; expected one of ${PRESET_NAMES.join(', ')}` });
    if (Object.keys(m).length === 0) ctx.addIssue({ code: 'custom', message: `expected shares per preset like {lte: '20%', dsl: 0.3, 'metro-fiber': 0.5}, got ${describeValue(m)}` });
  }, onObjects)
  .transform((m, ctx) => {
    const sum = Object.values(m).reduce((a, s) => a + s, 0);
    if (Math.abs(sum - 1) > 1e-6) ctx.addIssue({ code: 'custom', message: `shares must sum to 100%, they sum to ${+(sum * 100).toFixed(4)}%` });
    return Object.entries(m) as [PresetName, number][];
  });

const MixedLinkObject = strict({ ...LINK_FIELDS, mix: MixSchema }, `unknown link field; expected one of ${[...LINK_KEYS, 'mix'].join(', ')}`);

/** A mix of presets drawn per site, with shared overrides on every drawn preset. */
export const LinkMixSchema = MixedLinkObject.superRefine((o, ctx) => {
  crossFieldRules(o, ctx);
  if (o.preset !== undefined) ctx.addIssue({ code: 'custom', path: ['preset'], message: "a mix draws presets per site; remove 'preset' or 'mix'" });
}, onObjects).transform(({ mix, ...rest }) => ({ mix, overrides: toOverrides(rest) }));

const hasMix = (v: unknown) => isRecord(v) && v.mix !== undefined;
const LinkBaseSchema = byShape<LinkOverrides | z.output<typeof LinkMixSchema>>(
  [
    { when: hasMix, schema: LinkMixSchema },
    { when: () => true, schema: LinkInputSchema },
  ],
  expectedLink,
  z.union([PresetSchema, LinkObjectSchema, MixedLinkObject]),
);

/** `{default, sites}`: per-site overrides on a default (site names are checked against the lab). */
const PerSiteSchema = strict(
  {
    default: LinkBaseSchema.optional(),
    sites: z.record(z.string(), LinkInputSchema, { error: (iss) => `expected an object of site name → link profile, got ${describeValue(iss.input)}` }).optional(),
  },
  "unknown field next to 'default'/'sites'; put profile fields under 'default'",
);

const isPerSite = (v: unknown) => isRecord(v) && (v.default !== undefined || v.sites !== undefined);

/** lab.link: one link for every site, a mix of presets, or a default with per-site overrides. */
export const SiteLinksSchema = byShape<
  { kind: 'one'; overrides: LinkOverrides } | { kind: 'mix'; mix: [PresetName, number][]; overrides: LinkOverrides } | { kind: 'per-site'; base?: LinkOverrides | { mix: [PresetName, number][]; overrides: LinkOverrides }; sites: Record<string, LinkOverrides> }
>(
  [
    { when: isPerSite, schema: PerSiteSchema.transform((o) => ({ kind: 'per-site' as const, ...(o.default ? { base: o.default } : {}), sites: o.sites ?? {} })) },
    { when: hasMix, schema: LinkMixSchema.transform((m) => ({ kind: 'mix' as const, ...m })) },
    { when: () => true, schema: LinkInputSchema.transform((overrides) => ({ kind: 'one' as const, overrides })) },
  ],
  expectedLink,
  z.union([PresetSchema, LinkObjectSchema, MixedLinkObject, PerSiteSchema]).describe('WAN link of every site: a preset, a profile, a mix of presets, or {default, sites}'),
);
export type SiteLinks = z.output<typeof SiteLinksSchema>;
