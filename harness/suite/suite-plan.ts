/**
 * Expands a suite into the concrete runs it stands for, in a stable order, and takes a shard.
 *
 *   runs[i] × params matrix (cartesian, keys in spec order) × targets × repeat × suite.repeat
 *      ─▶ PlannedRun[] (index, id, scenario file, params as CLI strings, target, repetition)
 *      ─▶ --shard i/N keeps the runs whose index % N == i - 1 (round-robin: shards get similar mixes)
 *
 * The same suite file always yields the same list, so shard k of N on one CI machine and shard k
 * of N on another split the work exactly.
 */
import { resolve, dirname, basename } from 'node:path';
import type { SuiteDefinition } from '../define-suite.ts';

export interface PlannedRun {
  index: number;
  /** Stable, file-name-safe: `03-provision-sites=2,nodesPerSite=2-reference-r1`. */
  id: string;
  scenarioFile: string;
  params: Record<string, string>;
  target?: string;
  targetOptions: Record<string, string>;
  seed?: number;
  repetition: number;
}

type Value = string | number | boolean;

function cartesian(axes: [string, Value[]][]): Record<string, Value>[] {
  let combos: Record<string, Value>[] = [{}];
  for (const [k, values] of axes) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [k]: v })));
  return combos;
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9=,._-]+/g, '_').slice(0, 120);
}

export function planSuite(suite: SuiteDefinition, suiteFile: string): PlannedRun[] {
  const dir = dirname(resolve(suiteFile));
  const out: PlannedRun[] = [];
  for (let round = 1; round <= (suite.repeat ?? 1); round++) {
    for (const r of suite.runs) {
      const axes = Object.entries(r.params ?? {}).map(([k, v]): [string, Value[]] => [k, Array.isArray(v) ? v : [v]]);
      for (const combo of cartesian(axes)) {
        for (const target of r.targets ?? [undefined]) {
          for (let rep = 1; rep <= (r.repeat ?? 1); rep++) {
            const index = out.length;
            const params = Object.fromEntries(Object.entries(combo).map(([k, v]) => [k, String(v)]));
            const scenarioFile = resolve(dir, r.scenario);
            const label = Object.entries(params).map(([k, v]) => `${k}=${v}`).join(',');
            const repetition = (round - 1) * (r.repeat ?? 1) + rep;
            const id = slug([String(index + 1).padStart(2, '0'), basename(scenarioFile, '.ts'), label, target ?? 'default', `r${repetition}`].filter(Boolean).join('-'));
            out.push({ index, id, scenarioFile, params, target, targetOptions: r.targetOptions ?? {}, seed: r.seed, repetition });
          }
        }
      }
    }
  }
  return out;
}

/** `i/N` (1-based) → the runs of that shard; null input = all runs. */
export function shardRuns(runs: PlannedRun[], shard: { index: number; count: number } | null): PlannedRun[] {
  if (!shard) return runs;
  return runs.filter((r) => r.index % shard.count === shard.index - 1);
}

export function parseShard(raw: string): { index: number; count: number } | string {
  const m = /^(\d+)\/(\d+)$/.exec(raw);
  if (!m) return `expected i/N with 1 ≤ i ≤ N, got '${raw}'`;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) return `expected i/N with 1 ≤ i ≤ N, got '${raw}'`;
  return { index, count };
}
