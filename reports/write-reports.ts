/**
 * Builds every report of a run directory from its event log (and, when comparing, the baselines').
 *
 *   <run-dir>/events.ndjson ─▶ computeMetrics ─┬─▶ run.json
 *                                              ├─▶ junit.xml
 *                                              ├─▶ metrics.csv
 *                                              └─▶ report.html (+ baseline CDF / comparison)
 *
 * Files are written to a temp name then renamed, so a report killed half-way never leaves a
 * half-written file. Throws the fs error (code ENOENT) when events.ndjson is missing.
 */
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readEventLog } from './parse-event-log.ts';
import { computeMetrics, type RunMetrics } from './metrics.ts';
import { jsonSummaryOf, textSummaryOf, type JsonSummary } from './summary.ts';
import { runRecord } from './run-record.ts';
import { runJunit } from './junit.ts';
import { metricsCsv } from './metrics-csv.ts';
import { htmlReport } from './html-report.ts';
import { compareRuns, DEFAULT_COMPARE, type CompareOptions, type Comparison } from './compare-runs.ts';

export const EVENTS_FILE = 'events.ndjson';
export const REPORT_FILES = ['run.json', 'junit.xml', 'metrics.csv', 'report.html'] as const;

export async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

export interface LoadedRun {
  dir: string;
  metrics: RunMetrics;
  truncated: boolean;
}

export async function loadRun(dir: string): Promise<LoadedRun> {
  const log = await readEventLog(join(dir, EVENTS_FILE));
  return { dir, metrics: computeMetrics(log.events), truncated: log.truncated };
}

export interface ReportOptions {
  baselineDirs?: string[];
  compare?: Partial<CompareOptions>;
}

export async function writeReports(runDir: string, opts: ReportOptions = {}): Promise<JsonSummary> {
  return (await buildReports(runDir, opts)).summary;
}

/** writeReports plus the text summary and metrics, so a caller need not recompute them from events. */
export async function buildReports(runDir: string, opts: ReportOptions = {}): Promise<{ summary: JsonSummary; text: string; metrics: RunMetrics; truncated: boolean }> {
  const run = await loadRun(runDir);
  let comparison: Comparison | undefined;
  if (opts.baselineDirs?.length) {
    const baselines = await Promise.all(opts.baselineDirs.map(loadRun));
    comparison = compareRuns(baselines.map((b) => b.metrics), run.metrics, { ...DEFAULT_COMPARE, ...opts.compare });
  }
  await writeRunReports(run, comparison);
  return { summary: jsonSummaryOf(run.metrics, runDir), text: textSummaryOf(run.metrics, runDir, { truncated: run.truncated }), metrics: run.metrics, truncated: run.truncated };
}

export async function writeRunReports(run: LoadedRun, comparison?: Comparison): Promise<void> {
  const m = run.metrics;
  await writeAtomic(join(run.dir, 'run.json'), JSON.stringify(runRecord(m, run.dir, run.truncated), null, 2) + '\n');
  await writeAtomic(join(run.dir, 'junit.xml'), runJunit(m));
  await writeAtomic(join(run.dir, 'metrics.csv'), metricsCsv(m));
  await writeAtomic(join(run.dir, 'report.html'), htmlReport(m, { runDir: run.dir, truncated: run.truncated, ...(comparison ? { comparison } : {}) }));
}
