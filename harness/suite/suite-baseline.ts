/**
 * Baselines for suites: each run of tonight's suite is compared with the pooled earlier runs of
 * the same configuration found under `--baseline DIR` (last week's nightlies, saved with
 * `--save-baseline DIR`), automatically.
 *
 *   DIR/…/run.json + events.ndjson ──configKey──▶ pools ──▶ compareRuns(pool, run) per new run
 *
 * Configuration = scenario + resolved params + target + the target's recorded version + testbed
 * (tier, machine, scale). Target *options* are knobs of the server under test and not part of
 * the key: a changed server setting is exactly what a nightly should notice. A run whose
 * configuration matches no baseline is compared with nothing and says so — never a silent "no
 * regression".
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadRun } from '../../reports/write-reports.ts';
import { compareRuns, DEFAULT_COMPARE, type Comparison } from '../../reports/compare-runs.ts';

export interface RunConfigKey {
  scenario: string;
  params: Record<string, unknown>;
  target: string;
  targetVersion: string | null;
  testbed: unknown;
}

export interface BaselineVerdict {
  /** 'compared' with n baseline runs; 'no comparable baseline' otherwise. */
  verdict: 'compared' | 'no comparable baseline';
  baselineRuns: string[];
  regressions: string[];
  /** Per metric: verdict and the pooled baselines' noise floor (spread of their medians, ms). */
  metrics: { metric: string; verdict: string; reason: string; noiseMs: number; minEffectMs: number; baselineP50: number; runP50: number; deltaPct: number }[];
}

function readConfig(runDir: string): RunConfigKey | null {
  try {
    const rec = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as { config?: { scenario?: string; params?: Record<string, unknown>; target?: string; versions?: Record<string, string>; testbed?: unknown } };
    const c = rec.config;
    if (!c?.scenario) return null;
    return { scenario: c.scenario, params: c.params ?? {}, target: c.target ?? 'reference', targetVersion: c.versions?.target ?? null, testbed: c.testbed ?? null };
  } catch {
    return null;
  }
}

/** Stable text of a configuration (params sorted by name). */
export function keyText(k: RunConfigKey): string {
  const params = Object.fromEntries(Object.entries(k.params).sort(([a], [b]) => a.localeCompare(b)));
  return JSON.stringify({ scenario: k.scenario, params, target: k.target, targetVersion: k.targetVersion, testbed: k.testbed });
}

/** Run directories under `dir` (a run = run.json + events.ndjson), at most 5 levels deep. */
export function findRunDirs(dir: string, depth = 5): string[] {
  if (!existsSync(dir) || depth < 0) return [];
  if (existsSync(join(dir, 'run.json')) && existsSync(join(dir, 'events.ndjson'))) return [dir];
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...findRunDirs(p, depth - 1));
  }
  return out.sort();
}

export class BaselinePool {
  private readonly byKey = new Map<string, string[]>();
  /** Each baseline run's metrics, computed from its event log once however many runs use it. */
  private readonly loaded = new Map<string, ReturnType<typeof loadRun>>();

  constructor(dirs: string[]) {
    for (const d of dirs) {
      const k = readConfig(d);
      if (!k) continue;
      const t = keyText(k);
      this.byKey.set(t, [...(this.byKey.get(t) ?? []), d]);
    }
  }

  get size(): number {
    return [...this.byKey.values()].reduce((n, l) => n + l.length, 0);
  }

  async verdict(runDir: string): Promise<BaselineVerdict> {
    const k = readConfig(runDir);
    const pool = k ? (this.byKey.get(keyText(k)) ?? []) : [];
    if (pool.length === 0) return { verdict: 'no comparable baseline', baselineRuns: [], regressions: [], metrics: [] };
    const [run, ...base] = await Promise.all([loadRun(runDir), ...pool.map((d) => this.baselineRun(d))]);
    const c: Comparison = compareRuns(base.map((b) => b.metrics), run!.metrics, DEFAULT_COMPARE);
    return {
      verdict: 'compared',
      baselineRuns: pool,
      regressions: c.regressions,
      metrics: c.metrics.map((m) => ({ metric: m.metric, verdict: m.verdict, reason: m.reason, noiseMs: m.noiseMs, minEffectMs: m.minEffectMs, baselineP50: m.baseline.p50, runP50: m.run.p50, deltaPct: m.deltaPct })),
    };
  }

  private baselineRun(dir: string): ReturnType<typeof loadRun> {
    let r = this.loaded.get(dir);
    if (!r) this.loaded.set(dir, (r = loadRun(dir)));
    return r;
  }
}

/** Copies a finished suite directory into the baseline store as `<store>/<suite-dir name>/`. */
export function saveBaseline(suiteDir: string, store: string): string {
  mkdirSync(store, { recursive: true });
  const dest = join(store, basename(suiteDir));
  cpSync(suiteDir, dest, { recursive: true });
  return dest;
}
