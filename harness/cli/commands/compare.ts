/**
 * `fleetlab compare <baseline-dir>... <run-dir>`: per metric SAME / DIFFERENT / UNKNOWN (MWU + KS,
 * minimum effect), baselines pooled; writes compare.html, compare.xml (JUnit) and compare.json;
 * exit 1 on a regression. Runs from different testbeds are refused (exit 2) unless --force.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from '../command.ts';
import { parseArgs } from '../parse-args.ts';
import { FleetlabError } from '../../../lab/base/errors.ts';
import { loadRun, writeAtomic } from '../../../reports/write-reports.ts';
import { compareRuns, compareSuite, compareText, DEFAULT_COMPARE, testbedMismatch, type CompareOptions } from '../../../reports/compare-runs.ts';
import { htmlReport } from '../../../reports/html-report.ts';
import { junitXml } from '../../../reports/junit.ts';
import { requireRunLog } from './report.ts';

function num(v: string | undefined, name: string, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new FleetlabError('USAGE', `--${name} '${v}': expected a number in ${min}..${max}`);
  return n;
}

export const compareCommand: Command = {
  name: ['compare'],
  summary: 'compare a run with baseline runs (SAME / DIFFERENT / UNKNOWN per metric)',
  usage: `usage: fleetlab compare <baseline-dir>... <run-dir> [--min-effect-pct 5] [--min-effect-ms 50]
                        [--alpha 0.01] [--out DIR] [--json] [--force]

  The last directory is the run under test; the others are baselines, pooled.
  Per metric (time-to-ready, each phase, DHCP/TFTP/HTTP/image/BMC latency): Mann-Whitney U and
  Kolmogorov-Smirnov, p = min of the two. DIFFERENT needs p < alpha AND a median shift of at least
  max(min-effect-pct % of the baseline median, min-effect-ms, spread of the baseline runs' medians)
  — give two or more baselines so run-to-run noise (machine load) is measured, not mistaken for
  a regression.
  --out DIR    where compare.html, compare.xml (JUnit) and compare.json go (default: <run-dir>)
  --json       print compare.json on stdout instead of the table
  --force      compare runs from different testbeds (tier, machine, scale)

exit: 0 no regression, 1 a metric is DIFFERENT and worse, 2 bad input / testbed mismatch`,
  async run(argv, io) {
    const a = parseArgs(argv, {
      'min-effect-pct': { type: 'string' },
      'min-effect-ms': { type: 'string' },
      alpha: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'flag' },
      force: { type: 'flag' },
    });
    if (a.positionals.length < 2) throw new FleetlabError('USAGE', `expected <baseline-dir>... <run-dir> (at least two directories), got ${a.positionals.length}`);
    const opts: CompareOptions = {
      ...DEFAULT_COMPARE,
      minEffectPct: num(a.strings['min-effect-pct'], 'min-effect-pct', DEFAULT_COMPARE.minEffectPct, 0, 1000),
      minEffectMs: num(a.strings['min-effect-ms'], 'min-effect-ms', DEFAULT_COMPARE.minEffectMs, 0, 1e9),
      alpha: num(a.strings.alpha, 'alpha', DEFAULT_COMPARE.alpha, 0, 1),
    };
    for (const d of a.positionals) requireRunLog(d);
    const runDir = a.positionals[a.positionals.length - 1]!;
    const runs = await Promise.all(a.positionals.map(loadRun));
    const run = runs[runs.length - 1]!;
    const baselines = runs.slice(0, -1);
    for (const r of runs) {
      if (r.metrics.counts.total === 0) throw new FleetlabError('RUN_EMPTY', `${join(r.dir, 'events.ndjson')}: no nodes in the event log (killed before the lab was built?): nothing to compare`);
    }
    const mismatch = testbedMismatch(baselines, run);
    if (mismatch) {
      if (!a.flags.force) throw new FleetlabError('TESTBED_MISMATCH', mismatch);
      io.stderr.write(`fleetlab: warning: --force: ${mismatch}\n`);
    }
    // Different scenarios or params are allowed (that may be the experiment) but never silent.
    const desc = (r: (typeof runs)[number]) => `${r.metrics.config?.scenario ?? '?'} ${JSON.stringify(r.metrics.config?.params ?? {})}`;
    for (const b of baselines) if (desc(b) !== desc(run)) io.stderr.write(`fleetlab: note: ${b.dir} ran ${desc(b)}; ${runDir} ran ${desc(run)}\n`);
    const c = compareRuns(baselines.map((b) => b.metrics), run.metrics, opts);
    const out = a.strings.out ?? runDir;
    await mkdir(out, { recursive: true });
    await writeAtomic(join(out, 'compare.html'), htmlReport(run.metrics, { runDir, comparison: c, truncated: run.truncated, title: `fleetlab compare · ${c.runId ?? runDir}` }));
    await writeAtomic(join(out, 'compare.xml'), junitXml([compareSuite(c)]));
    const { baselineTimeToReady, ...forJson } = c;
    void baselineTimeToReady;
    const json = JSON.stringify({ ...forJson, runDir, baselineDirs: baselines.map((b) => b.dir) }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
    await writeAtomic(join(out, 'compare.json'), json + '\n');
    if (a.flags.json) io.stdout.write(json + '\n');
    else {
      io.stdout.write(compareText(c));
      io.stdout.write(`  wrote ${join(out, 'compare.html')}, ${join(out, 'compare.xml')}, ${join(out, 'compare.json')}\n`);
    }
    return c.regressions.length ? 1 : 0;
  },
};
