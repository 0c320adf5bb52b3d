/**
 * The end of a run, after every teardown: its status, the run.end event, the reports, what goes
 * to stdout/stderr and the exit code.
 *
 *   status (interrupted > timedout > failed > passed) ─▶ run.end ─▶ close log ─▶ reports ─▶ output ─▶ exit
 *
 * Exit (runExitCode, README "Exit codes"): 0 passed, 99 thresholds failed (k6's code; also an
 * abortOnFail stop), 1 the run failed (harness or target error, timeout), 2 bad input, 130 SIGINT,
 * 143 SIGTERM. A harness error outranks a failed threshold: 99 says the server missed a target,
 * never that the lab broke.
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
  /** Why a failed abortOnFail threshold stopped the run (null: it did not); the errors it caused are not the run's. */
  thresholdAbort: string | null;
  timedOut: boolean;
  timeoutMs: number;
  reporters: RunReporters;
}

/** The documented exit codes (README "Exit codes"). */
export const EXIT = { passed: 0, failed: 1, badInput: 2, thresholds: 99, sigint: 130, sigterm: 143 } as const;

export async function finishRun(o: RunOptions, r: RunEnding): Promise<number> {
  const interrupted = o.signal.aborted;
  const { timedOut } = r;
  // An abortOnFail stop aborts every wait in the scenario: those errors are its consequence.
  const err = r.thresholdAbort ? null : r.error;
  const status: RunStatus = interrupted ? 'interrupted' : timedOut ? 'timedout' : err || r.thresholdsFailed ? 'failed' : 'passed';
  r.log.emit({ kind: 'run.end', status, ...endReason(o, r, err) });
  r.log.close();
  await writeRunOutput({ ...r, error: err }, o, status, interrupted);
  if (interrupted) return o.abortReason() === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint;
  if (isFleetlabError(err) && err.def.exit === 2) return EXIT.badInput;
  if (err || timedOut) return EXIT.failed;
  return r.thresholdsFailed ? EXIT.thresholds : EXIT.passed;
}

function endReason(o: RunOptions, r: RunEnding, err: unknown): { reason?: string } {
  if (err) return { reason: errText(err) };
  if (r.timedOut) return { reason: `run exceeded ${r.timeoutMs} ms` };
  if (o.signal.aborted) return { reason: o.abortReason() ?? 'signal' };
  if (r.thresholdAbort) return { reason: r.thresholdAbort };
  return r.thresholdsFailed ? { reason: 'thresholds failed' } : {};
}

/** Reports on disk, the summary to the reporters, then stdout's one consumer (JSON, TAP or text). */
async function writeRunOutput(r: RunEnding, o: RunOptions, status: RunStatus, interrupted: boolean): Promise<void> {
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
