/**
 * The end of a run, after every teardown: its status, the run.end event, the reports, what goes
 * to stdout/stderr and the exit code.
 *
 *   status (interrupted > timedout > failed > passed) ─▶ run.end ─▶ close log ─▶ reports ─▶ output ─▶ exit
 *
 * Exit: 0 passed, 1 failed or timed out, 2 bad input, 130 SIGINT, 143 SIGTERM.
 */
import type { RunStatus } from '../../lab/base/event.ts';
import { isFleetlabError } from '../../lab/base/errors.ts';
import type { EventLog } from '../events/event-log.ts';
import { buildReports } from '../../reports/write-reports.ts';
import type { JsonSummary } from '../../reports/summary.ts';
import type { RunOptions } from './run-options.ts';
import type { RunReporters } from './run-reporters.ts';
import { errText } from './err-text.ts';

export interface RunEnding {
  log: EventLog;
  runDir: string;
  seed: number;
  /** What stopped the run: a failed task or the scenario's own throw (null: nothing). */
  error: unknown;
  thresholdsFailed: boolean;
  timedOut: boolean;
  timeoutMs: number;
  reporters: RunReporters;
}

export async function finishRun(o: RunOptions, r: RunEnding): Promise<number> {
  const interrupted = o.signal.aborted;
  const { error: err, timedOut } = r;
  const status: RunStatus = interrupted ? 'interrupted' : timedOut ? 'timedout' : err || r.thresholdsFailed ? 'failed' : 'passed';
  r.log.emit({ kind: 'run.end', status, ...(err ? { reason: errText(err) } : timedOut ? { reason: `run exceeded ${r.timeoutMs} ms` } : interrupted ? { reason: o.abortReason() ?? 'signal' } : {}) });
  r.log.close();
  await writeRunOutput(o, r, status, interrupted);
  if (interrupted) return o.abortReason() === 'SIGTERM' ? 143 : 130;
  if (isFleetlabError(err) && err.def.exit === 2) return 2;
  return status === 'passed' ? 0 : 1;
}

/** Reports on disk, the summary to the reporters, then stdout's one consumer (JSON, TAP or text). */
async function writeRunOutput(o: RunOptions, r: RunEnding, status: RunStatus, interrupted: boolean): Promise<void> {
  let summary: JsonSummary | null = null;
  let text = '';
  try {
    const built = await buildReports(r.runDir);
    summary = built.summary;
    text = built.text;
  } catch (e) {
    o.stderr.write(`fleetlab: reports failed: ${errText(e)}\n`);
  }
  if (summary) await r.reporters.reporter.onEnd?.(summary);
  const err = r.error;
  if (o.json) {
    o.stdout.write(JSON.stringify(summary ?? { status, runDir: r.runDir, seed: r.seed }) + '\n');
    return;
  }
  if (err && !interrupted) o.stderr.write(`fleetlab: ${isFleetlabError(err) ? err.code + ': ' : ''}${errText(err)}\n`);
  if (!r.reporters.tap) o.stdout.write(text || `fleetlab: ${status}; run directory ${r.runDir}\n`);
}
