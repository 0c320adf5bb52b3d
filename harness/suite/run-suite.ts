/**
 * `fleetlab suite`: run every planned run of a suite file and write the suite report.
 *
 *   load + validate the suite (every problem, exit 2) ─▶ plan (matrix × targets × repeat, shard)
 *   ─▶ dry-run every planned run (a bad param in run 9 is reported before run 1 starts)
 *   ─▶ runs, `concurrency` at a time, each in <suite-dir>/runs/<id>/ ─▶ suite.json, junit.xml, index.html
 *
 * With `--baseline DIR` every finished run is compared with the pooled earlier runs of the same
 * configuration (./suite-baseline.ts); the verdict goes into suite.json and the console.
 *
 * Exit: 0 every run passed (and none regressed), 1 a run failed, 99 a run regressed against its
 * baseline, 2 bad input, 130/143 when a signal stopped it (no run starts after the signal; the
 * running ones tear down as `fleetlab run` does).
 */
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Writable } from 'node:stream';
import { FleetlabError, isFleetlabError } from '../../lab/base/errors.ts';
import { runScenario } from '../run/run-scenario.ts';
import { esModuleDefault } from '../run/scenario-loader.ts';
import { FLEETLAB_ROOT } from '../fleetlab-version.ts';
import { suiteProblems, type SuiteDefinition } from '../define-suite.ts';
import { planSuite, shardRuns, type PlannedRun } from './suite-plan.ts';
import { writeSuiteReports, type SuiteRecord, type SuiteRunResult } from './suite-report.ts';
import { BaselinePool, findRunDirs, saveBaseline } from './suite-baseline.ts';

/** Exit code of a suite whose runs all passed but one regressed against its baseline (k6's code for failed thresholds). */
export const EXIT_REGRESSION = 99;

export interface SuiteOptions {
  /** The suite file; with `definition`, the scenario that definition repeats (`fleetlab run --repeat`). */
  file: string;
  /** A suite built in memory instead of loaded from `file`. */
  definition?: SuiteDefinition;
  /** `--threshold` conditions added to every run's own. */
  thresholds?: string[];
  out?: string;
  shard: { index: number; count: number } | null;
  /** Overrides the suite's own `concurrency`. */
  concurrency?: number;
  /** Overrides the suite's own `repeat` (runs of the whole list). */
  repeat?: number;
  /** Earlier runs/suites to compare every run with (pooled per configuration). */
  baseline?: string;
  /** Where to copy this suite's directory afterwards, for later `--baseline`. */
  saveBaseline?: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  signal: AbortSignal;
  abortReason(): 'SIGINT' | 'SIGTERM' | undefined;
}

export async function loadSuite(file: string): Promise<SuiteDefinition> {
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown };
  } catch (e) {
    throw new FleetlabError('SUITE_INVALID', `${file}: cannot load: ${(e as Error).message}`);
  }
  const def = esModuleDefault(mod);
  const problems = suiteProblems(def);
  if (problems.length) throw new FleetlabError('SUITE_INVALID', `${file}: ${problems.length} problem(s):\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
  return def as SuiteDefinition;
}

/** Collects one stream's text (a run's --json summary). */
function collector(): { stream: Writable; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({ write: (c: Buffer | string, _e, cb) => (chunks.push(c.toString()), cb()) });
  return { stream, text: () => chunks.join('') };
}

const discard = () => new Writable({ write: (_c, _e, cb) => cb() });

/** Every planned run validated as `fleetlab run --dry-run` would; all problems at once. */
async function validateRuns(runs: PlannedRun[], o: SuiteOptions): Promise<void> {
  const problems: string[] = [];
  for (const r of runs) {
    try {
      await runScenario({ file: r.scenarioFile, params: r.params, target: r.target, targetOptions: r.targetOptions, seed: r.seed, thresholds: o.thresholds, dryRun: true, json: false, stdout: discard(), stderr: discard(), signal: o.signal, abortReason: o.abortReason });
    } catch (e) {
      problems.push(`  run ${r.id}: ${isFleetlabError(e) ? `${e.code}: ${e.message}` : String(e)}`.replace(/\n/g, '\n    '));
    }
  }
  if (problems.length) throw new FleetlabError('SUITE_INVALID', `${o.file}: ${problems.length} run(s) would not start:\n${problems.join('\n')}`);
}

async function runOne(r: PlannedRun, dir: string, o: SuiteOptions): Promise<SuiteRunResult> {
  const runDir = join(dir, 'runs', r.id);
  mkdirSync(runDir, { recursive: true });
  const summary = collector();
  const console = createWriteStream(join(runDir, 'console.log'));
  const t0 = performance.now();
  let exitCode: number;
  let error: string | undefined;
  try {
    exitCode = await runScenario({ file: r.scenarioFile, params: r.params, target: r.target, targetOptions: r.targetOptions, seed: r.seed, thresholds: o.thresholds, out: runDir, dryRun: false, json: true, stdout: summary.stream, stderr: console, signal: o.signal, abortReason: o.abortReason });
  } catch (e) {
    exitCode = isFleetlabError(e) ? (e.def.exit ?? 1) : 1;
    error = isFleetlabError(e) ? `${e.code}: ${e.message}` : String(e);
  }
  await new Promise<void>((res) => console.end(() => res()));
  const wallMs = performance.now() - t0;
  let parsed: { status?: string; nodes?: SuiteRunResult['nodes']; timeToReadyMs?: SuiteRunResult['timeToReadyMs'] } = {};
  try {
    parsed = JSON.parse(summary.text()) as typeof parsed;
  } catch {
    // no summary: the run failed before it had one; `error` or console.log says why
  }
  return { run: r, runDir, exitCode, status: parsed.status ?? 'error', nodes: parsed.nodes, timeToReadyMs: parsed.timeToReadyMs, wallMs, error };
}

function suiteExit(results: SuiteRunResult[], o: SuiteOptions): number {
  const sig = o.abortReason();
  if (sig) return sig === 'SIGINT' ? 130 : 143;
  // A broken run outranks a missed threshold or a regression, as in `fleetlab run` (99 never hides a broken lab).
  if (!results.every((r) => r.exitCode === 0 || r.exitCode === EXIT_REGRESSION)) return 1;
  return results.some((r) => r.exitCode === EXIT_REGRESSION || (r.baseline?.regressions.length ?? 0) > 0) ? EXIT_REGRESSION : 0;
}

function baselineLine(r: SuiteRunResult): string {
  const b = r.baseline;
  if (!b) return '';
  if (b.verdict === 'no comparable baseline') return ' — baseline: no comparable baseline (configuration differs from every saved run)';
  const worse = b.metrics.filter((m) => b.regressions.includes(m.metric)).map((m) => `${m.metric} ${m.deltaPct >= 0 ? '+' : ''}${m.deltaPct.toFixed(0)} %`);
  return ` — baseline (${b.baselineRuns.length} runs): ${worse.length ? `DIFFERENT: ${worse.join(', ')}` : 'no regression'}`;
}

export async function runSuite(o: SuiteOptions): Promise<number> {
  const suite = o.definition ?? (await loadSuite(o.file));
  const runs = shardRuns(planSuite(o.repeat ? { ...suite, repeat: o.repeat } : suite, o.file), o.shard);
  if (o.baseline !== undefined && !existsSync(o.baseline)) throw new FleetlabError('USAGE', `--baseline ${o.baseline}: no such directory`);
  await validateRuns(runs, o);
  const baselines = o.baseline !== undefined ? new BaselinePool(findRunDirs(o.baseline)) : null;
  if (baselines) o.stderr.write(`fleetlab suite: ${baselines.size} baseline run(s) under ${o.baseline!}\n`);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  const dir = resolve(o.out ?? join(FLEETLAB_ROOT, 'reports', 'suites', `${suite.name}-${stamp}`));
  mkdirSync(dir, { recursive: true });
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const results: SuiteRunResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < runs.length && !o.signal.aborted) {
      const r = runs[next++]!;
      o.stderr.write(`fleetlab suite: [${r.index + 1}] ${r.id} …\n`);
      const res = await runOne(r, dir, o);
      if (baselines && existsSync(join(res.runDir, 'run.json'))) res.baseline = await baselines.verdict(res.runDir);
      results.push(res);
      const nodes = res.nodes ? ` ${res.nodes.ready}/${res.nodes.total} ready` : '';
      o.stderr.write(`fleetlab suite: [${r.index + 1}] ${r.id}: ${res.status} (exit ${res.exitCode})${nodes}${res.error ? ` — ${res.error.split('\n')[0]!}` : ''}${baselineLine(res)}\n`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency ?? suite.concurrency ?? 1, Math.max(1, runs.length)) }, worker));
  results.sort((a, b) => a.run.index - b.run.index);
  const exitCode = suiteExit(results, o);
  const rec: SuiteRecord = {
    format: 'fleetlab-suite/1',
    name: suite.name,
    file: resolve(o.file),
    shard: o.shard ? `${o.shard.index}/${o.shard.count}` : null,
    startedAt,
    wallMs: performance.now() - t0,
    status: o.abortReason() ? 'interrupted' : exitCode === 0 ? 'passed' : exitCode === EXIT_REGRESSION ? 'regressed' : 'failed',
    exitCode,
    runs: results.map((r) => ({ id: r.run.id, scenario: basename(r.run.scenarioFile), params: r.run.params, target: r.run.target ?? null, repetition: r.run.repetition, runDir: r.runDir, exitCode: r.exitCode, status: r.status, nodes: r.nodes, timeToReadyMs: r.timeToReadyMs, wallMs: r.wallMs, error: r.error, baseline: r.baseline })),
  };
  writeSuiteReports(dir, rec, results);
  if (o.saveBaseline !== undefined) o.stderr.write(`fleetlab suite: saved as baseline in ${saveBaseline(dir, o.saveBaseline)}\n`);
  const regressed = results.filter((r) => (r.baseline?.regressions.length ?? 0) > 0).length;
  const noBaseline = results.filter((r) => r.baseline?.verdict === 'no comparable baseline').length;
  o.stdout.write(`${JSON.stringify({ status: rec.status, suiteDir: dir, runs: rec.runs.length, passed: results.filter((r) => r.exitCode === 0).length, failed: results.filter((r) => r.exitCode !== 0).length, ...(baselines ? { regressed, noComparableBaseline: noBaseline } : {}) })}\n`);
  return exitCode;
}
