/**
 * Who watches a run's events live. stdout belongs to exactly one consumer — the JSON summary,
 * the TAP stream, or the text summary — and progress goes to stderr; every reporter sits behind
 * the multiplexer (reports/reporter.ts) so a crashing one never kills the run.
 *
 *   EventLog ──▶ multiplexer ──▶ progress (stderr)
 *                            └─▶ tap (stdout, with --reporter tap and without --json)
 */
import type { Clock } from '../../lab/base/clock.ts';
import type { EventLog } from '../events/event-log.ts';
import { multiplexReporters, type Reporter } from '../../reports/reporter.ts';
import { tapReporter } from '../../reports/tap-reporter.ts';
import type { NodeTracker } from './node-tracker.ts';
import { Progress } from './progress.ts';
import type { RunOptions } from './run-options.ts';

export interface RunReporters {
  progress: Progress;
  /** The multiplexer; its onEnd gets the JSON summary once the reports are built. */
  reporter: Reporter;
  /** TAP owns stdout. */
  tap: boolean;
}

export function attachRunReporters(log: EventLog, tracker: NodeTracker, clock: Clock, o: Pick<RunOptions, 'json' | 'reporter' | 'stdout' | 'stderr'>): RunReporters {
  const tap = o.reporter === 'tap';
  const progress = new Progress(o.stderr, tracker, () => clock.now(), o.json);
  const reporters: Reporter[] = [{ name: 'progress', onEvent: (e) => progress.onEvent(e) }];
  if (tap && !o.json) reporters.push({ name: 'tap', ...tapReporter((s) => o.stdout.write(s)) });
  const reporter = multiplexReporters(reporters, (msg) => o.stderr.write(msg + '\n'));
  log.on((e) => reporter.onEvent?.(e));
  return { progress, reporter, tap };
}
