/**
 * Wave specs: how a rollout is cut into waves, written the way release engineers say it.
 *
 *   'canary:1 site'   a wave named canary of 1 site        '10 sites'  the next 10 sites
 *   '5%'              up to 5 % of the eligible sites, cumulative (so '5%','25%','100%' adds 20 % then 75 %)
 *   'eu:25%'          a named percentage wave               {sites: 2, select: {region: 'eu'}}  object form
 *
 * Generated waves: `{canarySites: 1, firstPercent: 1, factor: 10}` → canary:1 site, 1%, 10%, 100%.
 * Parsing collects every problem with its path (`waves[2]: …`), like the lab spec.
 */
import { z } from 'zod';
import type { Problems } from '../../lab/base/problem.ts';
import { byShape, jsonSchemaOf, parseInto, salvage, strict } from '../../lab/base/schema.ts';
import { isRecord } from '../../lab/base/values.ts';

const LABEL_VALUE = z.union([z.string(), z.array(z.string()).min(1)], { error: (iss) => `expected a string or a non-empty list of strings, got ${JSON.stringify(iss.input)}` });
/** Match node labels (site labels, link preset, hardware profile, region…): every key must match one of its values. */
export const LabelSelectorSchema = z.record(z.string(), LABEL_VALUE, { error: 'expected an object of label → value or list of values' }).describe('labels a site/node must carry: {label: value | [values]}');
export type LabelSelector = z.output<typeof LabelSelectorSchema>;

export interface ParsedWave {
  name: string;
  kind: 'sites' | 'percent';
  value: number;
  select?: LabelSelector;
}

const STRING = /^(?:([a-z][\w.-]*):)?\s*(?:(\d+)\s*(sites?)|(\d+(?:\.\d+)?)\s*%)$/i;

/** 'canary:1 site', '10 sites', '5%', 'eu:25%'. */
const WaveStringSchema = z
  .string()
  .refine((w) => STRING.test(w.trim()), { error: (iss) => `expected 'N sites', 'N%' or 'name:…' (e.g. 'canary:1 site', '25%'), got '${String(iss.input)}'` })
  .transform((w): ParsedWave => {
    const m = STRING.exec(w.trim())!;
    return m[2] !== undefined ? { name: m[1] ?? '', kind: 'sites', value: Number(m[2]) } : { name: m[1] ?? '', kind: 'percent', value: Number(m[4]) };
  });

/** `{name?, sites | percent, select?}`. */
const WaveObjectSchema = strict(
  {
    name: z.string().optional(),
    /** A count of sites for this wave. */
    sites: z.number().optional().describe('a count of sites for this wave'),
    /** Cumulative share (0 < p <= 100) of the eligible sites done after this wave. */
    percent: z.number().optional().describe('cumulative share (0 < p <= 100) of the eligible sites done after this wave'),
    /** Only sites (and nodes) matching these labels join this wave. */
    select: LabelSelectorSchema.optional(),
  },
  'unknown field (known: name, sites, percent, select)',
)
  .refine((w) => (w.sites === undefined) !== (w.percent === undefined), { error: "expected exactly one of 'sites' or 'percent'", when: (p) => isRecord(p.value) })
  .transform((w): ParsedWave => ({ name: w.name ?? '', kind: w.sites !== undefined ? 'sites' : 'percent', value: w.sites ?? w.percent!, ...(w.select ? { select: w.select } : {}) }));
export type WaveSpec = z.input<typeof WaveObjectSchema>;

/** The value rules both forms share, reported at the wave itself. */
const checked = (s: z.ZodType<ParsedWave>) =>
  s.superRefine((w, ctx) => {
    if (w.kind === 'sites' && !(Number.isInteger(w.value) && w.value >= 1)) ctx.addIssue({ code: 'custom', message: `expected a site count >= 1, got ${w.value}` });
    if (w.kind === 'percent' && !(w.value > 0 && w.value <= 100)) ctx.addIssue({ code: 'custom', message: `expected a percentage in (0, 100], got ${w.value}` });
  });

const WaveSchema = byShape<ParsedWave>(
  [
    { when: (v) => typeof v === 'string', schema: checked(WaveStringSchema) },
    { when: isRecord, schema: checked(WaveObjectSchema) },
  ],
  (v) => `expected a string or an object, got ${JSON.stringify(v)}`,
  z.union([z.string().regex(STRING), WaveObjectSchema]),
);

/** Generated waves: `{canarySites: 1, firstPercent: 1, factor: 10}` → canary:1 site, 1%, 10%, 100%. */
const GeneratedWavesSchema = strict({
  /** Sites in the canary wave (0: no canary). Default 1. */
  canarySites: z.number().refine((n) => Number.isInteger(n) && n >= 0, { error: (iss) => `expected an integer >= 0, got ${String(iss.input)}` }).optional().describe('sites in the canary wave (0: none); default 1'),
  /** First percentage wave. Default 1. */
  firstPercent: z.number().refine((n) => n > 0 && n <= 100, { error: (iss) => `expected a percentage in (0, 100], got ${String(iss.input)}` }).optional().describe('first percentage wave; default 1'),
  /** Each next wave is this many times larger (cumulative %), capped at 100. Default 10. */
  factor: z.number().refine((n) => n > 1, { error: (iss) => `expected a growth factor > 1, got ${String(iss.input)}` }).optional().describe('each next wave is this many times larger, capped at 100; default 10'),
});
export type GeneratedWaves = z.input<typeof GeneratedWavesSchema>;

/** Waves given as strings (split from one string, or generated). */
const listOfStrings = z.array(WaveSchema) as unknown as z.ZodType<ParsedWave[], string[]>;

/**
 * A rollout's waves: a list, a generator, or the list as one comma-separated string (a
 * `--param waves=…`). Every wave parses on its own, so each problem comes with its index.
 */
export const WavesSchema = byShape<ParsedWave[]>(
  [
    { when: (v) => typeof v === 'string', schema: z.string().transform((s) => s.split(',').map((w) => w.trim()).filter(Boolean)).pipe(listOfStrings) },
    { when: Array.isArray, schema: z.array(WaveSchema) },
    { when: isRecord, schema: GeneratedWavesSchema.transform((g) => generateWaves(g)).pipe(listOfStrings) },
  ],
  (v) => `expected a list of waves, a comma-separated string or {canarySites, firstPercent, factor}, got ${JSON.stringify(v)}`,
  z.union([z.array(z.union([z.string().regex(STRING), WaveObjectSchema])), z.string(), GeneratedWavesSchema]),
);

/** A list of waves, a generator, or the list as one comma-separated string (a `--param waves=…`). */
export type WavesInput = (string | WaveSpec)[] | GeneratedWaves | string;

export const wavesJsonSchema = (): Record<string, unknown> =>
  jsonSchemaOf(WavesSchema, 'fleetlab rollout waves', "A rollout's waves: ['canary:1 site', '10%', '100%'], {sites, percent, select} objects, 'a,b,c', or {canarySites, firstPercent, factor}.");

/** Parse explicit or generated waves; problems are added with paths under `path`. */
export function parseWaves(input: WavesInput | undefined, path: string, problems: Problems): ParsedWave[] {
  const given = input ?? ['canary:1 site', '10%', '100%'];
  const asList = typeof given === 'string' ? given.split(',').map((w) => w.trim()).filter(Boolean) : given;
  // Waves that parsed on their own still get the checks across waves (cumulative percentages).
  const list: (ParsedWave | undefined)[] = parseInto(WavesSchema, asList, path, problems) ?? salvage(WavesSchema, asList) ?? [];
  if (Array.isArray(asList) && asList.length === 0) problems.add(path, 'expected at least one wave');
  const names = new Set<string>();
  let lastPercent = 0;
  list.forEach((wave, i) => {
    if (!wave) return; // reported by the schema
    if (wave.kind === 'percent') {
      if (wave.value < lastPercent) problems.add(`${path}[${i}]`, `percentages are cumulative and must not decrease (${wave.value}% after ${lastPercent}%)`);
      else lastPercent = wave.value;
    }
    if (!wave.name) wave.name = wave.kind === 'percent' ? `${wave.value}%` : `${wave.value} site${wave.value === 1 ? '' : 's'}`;
    if (names.has(wave.name)) wave.name = `${wave.name}#${i + 1}`;
    names.add(wave.name);
  });
  return list.filter((w) => w !== undefined);
}

/** Canary, then percentages growing by `factor` up to 100 %. */
export function generateWaves(input: GeneratedWaves, path = 'waves', problems?: Problems): string[] {
  const g = problems ? parseInto(GeneratedWavesSchema, input, path, problems) : input;
  if (!g) return [];
  const canary = g.canarySites ?? 1;
  const first = g.firstPercent ?? 1;
  const factor = g.factor ?? 10;
  const out: string[] = canary > 0 ? [`canary:${canary} site${canary === 1 ? '' : 's'}`] : [];
  for (let p = first; ; p *= factor) {
    if (p >= 100) {
      out.push('100%');
      break;
    }
    out.push(`${+p.toPrecision(6)}%`);
  }
  return out;
}

export function checkSelector(s: unknown, path: string, problems: Problems): s is LabelSelector {
  return parseInto(LabelSelectorSchema, s, path, problems) !== undefined;
}

export function matches(labels: Record<string, string>, sel: LabelSelector | undefined): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel)) {
    const have = labels[k];
    if (have === undefined) return false;
    if (typeof v === 'string' ? have !== v : !v.includes(have)) return false;
  }
  return true;
}
