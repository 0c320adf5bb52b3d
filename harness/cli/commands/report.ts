/**
 * `fleetlab report <run-dir>`: rebuild run.json, junit.xml, metrics.csv and report.html from
 * events.ndjson alone (also a log cut short by a kill) and print the text summary.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../command.ts';
import { parseArgs } from '../parse-args.ts';
import { FleetlabError } from '../../../lab/base/errors.ts';
import { EVENTS_FILE, REPORT_FILES, loadRun, writeRunReports } from '../../../reports/write-reports.ts';
import { compareRuns, DEFAULT_COMPARE } from '../../../reports/compare-runs.ts';
import { jsonSummaryOf, textSummaryOf } from '../../../reports/summary.ts';
import { tapFromEvents } from '../../../reports/tap-reporter.ts';
import { readEventLog } from '../../../reports/parse-event-log.ts';

export function requireRunLog(dir: string): string {
  const path = join(dir, EVENTS_FILE);
  if (!existsSync(path)) throw new FleetlabError('RUN_LOG_MISSING', `no event log at ${path} (is '${dir}' a run directory?)`);
  return path;
}

export const reportCommand: Command = {
  name: ['report'],
  summary: 'rebuild the reports of a run directory from its event log',
  usage: `usage: fleetlab report <run-dir> [--baseline DIR]... [--json] [--reporter tap]

  Rebuilds ${REPORT_FILES.join(', ')} in <run-dir> from ${EVENTS_FILE} and prints the summary.
  --baseline DIR    overlay the baseline runs' time-to-ready CDF and comparison in report.html
  --json            print the JSON summary object instead of the text summary
  --reporter tap    print TAP (a test point per threshold and per failed node)

exit: 0 reports written, 2 no event log / bad input`,
  async run(argv, io) {
    const a = parseArgs(argv, { baseline: { type: 'list' }, json: { type: 'flag' }, reporter: { type: 'string' } });
    if (a.positionals.length !== 1) throw new FleetlabError('USAGE', `expected one run directory, got ${a.positionals.length === 0 ? 'none' : a.positionals.join(' ')}`);
    if (a.strings.reporter !== undefined && a.strings.reporter !== 'tap') throw new FleetlabError('USAGE', `--reporter '${a.strings.reporter}': known reporters: tap`);
    const dir = a.positionals[0]!;
    const logPath = requireRunLog(dir);
    const baselines = a.lists.baseline ?? [];
    for (const b of baselines) requireRunLog(b);
    const run = await loadRun(dir);
    const comparison = baselines.length ? compareRuns((await Promise.all(baselines.map(loadRun))).map((b) => b.metrics), run.metrics, DEFAULT_COMPARE) : undefined;
    await writeRunReports(run, comparison);
    if (run.truncated) io.stderr.write(`fleetlab: note: the last line of ${logPath} was cut short (killed run); reports cover the complete lines\n`);
    const summary = jsonSummaryOf(run.metrics, dir);
    if (a.flags.json) io.stdout.write(JSON.stringify(summary) + '\n');
    else if (a.strings.reporter === 'tap') io.stdout.write(tapFromEvents((await readEventLog(logPath)).events, summary));
    else {
      io.stdout.write(textSummaryOf(run.metrics, dir, { truncated: run.truncated }));
      io.stdout.write(`  reports: ${REPORT_FILES.map((f) => join(dir, f)).join(' ')}\n`);
    }
    return 0;
  },
};
