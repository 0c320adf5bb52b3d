/**
 * The suite's own report, next to its run directories:
 *
 *   <suite-dir>/suite.json   every planned run: id, scenario, params, target, exit code, status,
 *                            node counts, time-to-ready, its run directory
 *   <suite-dir>/junit.xml    the runs' junit.xml files combined, one <testsuite> per run (named
 *                            with the run id so CI shows which matrix cell failed)
 *   <suite-dir>/index.html   one table linking every run's report.html
 *
 * Built only from what each run wrote (run.json, junit.xml), like every other report.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { xmlEscape } from '../../reports/format.ts';
import type { PlannedRun } from './suite-plan.ts';
import type { BaselineVerdict } from './suite-baseline.ts';

export interface SuiteRunResult {
  run: PlannedRun;
  runDir: string;
  exitCode: number;
  status: string;
  nodes?: { total: number; ready: number; failed: number };
  timeToReadyMs?: { p50: number; p95: number; max: number };
  wallMs: number;
  error?: string;
  baseline?: BaselineVerdict;
}

export interface SuiteRecord {
  format: 'fleetlab-suite/1';
  name: string;
  file: string;
  shard: string | null;
  startedAt: string;
  wallMs: number;
  status: 'passed' | 'failed' | 'regressed' | 'interrupted';
  exitCode: number;
  runs: (Omit<SuiteRunResult, 'run' | 'runDir'> & { id: string; scenario: string; params: Record<string, string>; target: string | null; repetition: number; runDir: string })[];
}

/** `<testsuite …>…</testsuite>` blocks of one run's junit.xml, renamed after the run. */
function runSuites(runDir: string, id: string): { xml: string[]; tests: number; failures: number; errors: number } {
  const path = join(runDir, 'junit.xml');
  if (!existsSync(path)) return { xml: [], tests: 0, failures: 0, errors: 0 };
  const text = readFileSync(path, 'utf8');
  const blocks = text.match(/<testsuite\b[\s\S]*?<\/testsuite>/g) ?? [];
  let tests = 0;
  let failures = 0;
  let errors = 0;
  const xml = blocks.map((b) => {
    const num = (attr: string) => Number(new RegExp(`\\b${attr}="(\\d+)"`).exec(b)?.[1] ?? 0);
    tests += num('tests');
    failures += num('failures');
    errors += num('errors');
    return b.replace(/<testsuite name="([^"]*)"/, (_m, name: string) => `<testsuite name="${name} [${xmlEscape(id)}]"`);
  });
  return { xml, tests, failures, errors };
}

/** A run that never wrote junit.xml (bad input, crash) still shows up as one errored case. */
function missingRunSuite(r: SuiteRunResult): string {
  return `  <testsuite name="${xmlEscape(r.run.id)}" tests="1" failures="0" errors="1" skipped="0" time="${(r.wallMs / 1000).toFixed(3)}">
    <testcase classname="suite" name="run ${xmlEscape(r.run.id)}"><error type="exit ${r.exitCode}" message="${xmlEscape(r.error ?? r.status)}"/></testcase>
  </testsuite>`;
}

export function suiteJunit(results: SuiteRunResult[]): string {
  let tests = 0;
  let failures = 0;
  let errors = 0;
  const body: string[] = [];
  for (const r of results) {
    const s = runSuites(r.runDir, r.run.id);
    if (s.xml.length === 0) {
      body.push(missingRunSuite(r));
      tests += 1;
      errors += 1;
      continue;
    }
    body.push(...s.xml.map((x) => `  ${x}`));
    tests += s.tests;
    failures += s.failures;
    errors += s.errors;
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites tests="${tests}" failures="${failures}" errors="${errors}">\n${body.join('\n')}\n</testsuites>\n`;
}

function suiteHtml(rec: SuiteRecord, dir: string): string {
  const rows = rec.runs
    .map((r) => {
      const report = join(r.runDir, 'report.html');
      const link = existsSync(report) ? `<a href="${xmlEscape(relative(dir, report))}">${xmlEscape(r.id)}</a>` : xmlEscape(r.id);
      const nodes = r.nodes ? `${r.nodes.ready}/${r.nodes.total}` : '–';
      const p95 = r.timeToReadyMs ? `${(r.timeToReadyMs.p95 / 1000).toFixed(2)} s` : '–';
      const base = !r.baseline ? '–' : r.baseline.verdict === 'no comparable baseline' ? 'no comparable baseline' : r.baseline.regressions.length ? `DIFFERENT: ${r.baseline.regressions.join(', ')}` : `same as ${r.baseline.baselineRuns.length} runs`;
      return `<tr class="${r.exitCode === 0 && !r.baseline?.regressions.length ? 'ok' : 'bad'}"><td>${link}</td><td>${xmlEscape(r.scenario)}</td><td>${xmlEscape(Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(' '))}</td><td>${xmlEscape(r.target ?? 'default')}</td><td>${xmlEscape(r.status)}</td><td>${r.exitCode}</td><td>${nodes}</td><td>${p95}</td><td>${xmlEscape(base)}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>fleetlab suite ${xmlEscape(rec.name)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}tr.bad{background:#fde8e8}tr.ok{background:#eaf7ea}</style></head>
<body><h1>Suite ${xmlEscape(rec.name)}: ${xmlEscape(rec.status)}</h1>
<p>${rec.runs.length} runs${rec.shard ? `, shard ${xmlEscape(rec.shard)}` : ''}, started ${xmlEscape(rec.startedAt)}, ${(rec.wallMs / 1000).toFixed(1)} s wall, exit ${rec.exitCode}. Suite file ${xmlEscape(rec.file)}.</p>
<table><tr><th>run</th><th>scenario</th><th>params</th><th>target</th><th>status</th><th>exit</th><th>ready</th><th>p95 time-to-ready</th><th>vs baseline</th></tr>
${rows}
</table></body></html>
`;
}

export function writeSuiteReports(dir: string, rec: SuiteRecord, results: SuiteRunResult[]): void {
  writeFileSync(join(dir, 'suite.json'), JSON.stringify(rec, null, 2) + '\n');
  writeFileSync(join(dir, 'junit.xml'), suiteJunit(results));
  writeFileSync(join(dir, 'index.html'), suiteHtml(rec, dir));
}
