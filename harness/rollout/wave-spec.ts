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
import type { Problems } from '../../lab/base/problem.ts';

/** Match node labels (site labels, link preset, hardware profile, region…): every key must match one of its values. */
export type LabelSelector = Record<string, string | string[]>;

export interface WaveSpec {
  name?: string;
  /** A count of sites for this wave. */
  sites?: number;
  /** Cumulative share (0 < p <= 100) of the eligible sites done after this wave. */
  percent?: number;
  /** Only sites (and nodes) matching these labels join this wave. */
  select?: LabelSelector;
}

export interface GeneratedWaves {
  /** Sites in the canary wave (0: no canary). Default 1. */
  canarySites?: number;
  /** First percentage wave. Default 1. */
  firstPercent?: number;
  /** Each next wave is this many times larger (cumulative %), capped at 100. Default 10. */
  factor?: number;
}

/** A list of waves, a generator, or the list as one comma-separated string (a `--param waves=…`). */
export type WavesInput = (string | WaveSpec)[] | GeneratedWaves | string;

export interface ParsedWave {
  name: string;
  kind: 'sites' | 'percent';
  value: number;
  select?: LabelSelector;
}

const STRING = /^(?:([a-z][\w.-]*):)?\s*(?:(\d+)\s*(sites?)|(\d+(?:\.\d+)?)\s*%)$/i;

/** Parse explicit or generated waves; problems are added with paths under `path`. */
export function parseWaves(input: WavesInput | undefined, path: string, problems: Problems): ParsedWave[] {
  const list =
    input === undefined
      ? ['canary:1 site', '10%', '100%']
      : typeof input === 'string'
        ? input.split(',').map((w) => w.trim()).filter(Boolean)
        : Array.isArray(input)
          ? input
          : generateWaves(input, path, problems);
  if (list.length === 0) problems.add(path, 'expected at least one wave');
  const out: ParsedWave[] = [];
  const names = new Set<string>();
  let lastPercent = 0;
  list.forEach((w, i) => {
    const p = `${path}[${i}]`;
    let wave: ParsedWave | undefined;
    if (typeof w === 'string') {
      const m = STRING.exec(w.trim());
      if (!m) {
        problems.add(p, `expected 'N sites', 'N%' or 'name:…' (e.g. 'canary:1 site', '25%'), got '${w}'`);
        return;
      }
      wave = m[2] !== undefined ? { name: m[1] ?? '', kind: 'sites', value: Number(m[2]) } : { name: m[1] ?? '', kind: 'percent', value: Number(m[4]) };
    } else if (w && typeof w === 'object' && !Array.isArray(w)) {
      for (const k of Object.keys(w)) if (!['name', 'sites', 'percent', 'select'].includes(k)) problems.add(`${p}.${k}`, 'unknown field (known: name, sites, percent, select)');
      if ((w.sites === undefined) === (w.percent === undefined)) {
        problems.add(p, "expected exactly one of 'sites' or 'percent'");
        return;
      }
      wave = w.sites !== undefined ? { name: w.name ?? '', kind: 'sites', value: w.sites } : { name: w.name ?? '', kind: 'percent', value: w.percent! };
      if (w.select !== undefined) {
        if (checkSelector(w.select, `${p}.select`, problems)) wave.select = w.select;
      }
    } else {
      problems.add(p, `expected a string or an object, got ${JSON.stringify(w)}`);
      return;
    }
    if (wave.kind === 'sites' && !(Number.isInteger(wave.value) && wave.value >= 1)) problems.add(p, `expected a site count >= 1, got ${wave.value}`);
    if (wave.kind === 'percent') {
      if (!(wave.value > 0 && wave.value <= 100)) problems.add(p, `expected a percentage in (0, 100], got ${wave.value}`);
      else if (wave.value < lastPercent) problems.add(p, `percentages are cumulative and must not decrease (${wave.value}% after ${lastPercent}%)`);
      else lastPercent = wave.value;
    }
    if (!wave.name) wave.name = wave.kind === 'percent' ? `${wave.value}%` : `${wave.value} site${wave.value === 1 ? '' : 's'}`;
    if (names.has(wave.name)) wave.name = `${wave.name}#${i + 1}`;
    names.add(wave.name);
    out.push(wave);
  });
  return out;
}

/** Canary, then percentages growing by `factor` up to 100 %. */
export function generateWaves(g: GeneratedWaves, path: string, problems: Problems): string[] {
  const canary = g.canarySites ?? 1;
  const first = g.firstPercent ?? 1;
  const factor = g.factor ?? 10;
  const before = problems.list.length;
  if (!(Number.isInteger(canary) && canary >= 0)) problems.add(`${path}.canarySites`, `expected an integer >= 0, got ${canary}`);
  if (!(first > 0 && first <= 100)) problems.add(`${path}.firstPercent`, `expected a percentage in (0, 100], got ${first}`);
  if (!(factor > 1)) problems.add(`${path}.factor`, `expected a growth factor > 1, got ${factor}`);
  if (problems.list.length > before) return [];
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
  if (!s || typeof s !== 'object' || Array.isArray(s)) {
    problems.add(path, 'expected an object of label → value or list of values');
    return false;
  }
  let ok = true;
  for (const [k, v] of Object.entries(s)) {
    if (typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'))) continue;
    problems.add(`${path}.${k}`, `expected a string or a non-empty list of strings, got ${JSON.stringify(v)}`);
    ok = false;
  }
  return ok;
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
