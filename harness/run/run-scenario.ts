/**
 * `fleetlab run`: validate everything, then run the scenario as a task list and write reports.
 *
 *   prepareRun: scenario ─▶ params ─▶ lab spec, links, target (all problems, exit 2) ─▶ [--dry-run: dryRunPlan]
 *   root needs (exit 2 naming each) ─▶
 *   run dir + event log + reporters + threshold watch ─▶ run.start ─▶ lifecycleTasks: target ─▶ lab ─▶ faults ─▶ scenario.run
 *   teardown in reverse (also on failure, timeout, SIGINT, abortOnFail) ─▶ thresholds judged
 *   ─▶ finishRun: run.end ─▶ reports ─▶ exit code
 *
 * Exit (finish-run.ts): 0 passed, 99 thresholds failed, 1 run failed or timed out, 2 bad input, 130 SIGINT, 143 SIGTERM.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { realClock } from '../../lab/base/clock.ts';
import { ERRORS, FleetlabError } from '../../lab/base/errors.ts';
import { createRng } from '../../lab/base/rng.ts';
import { EventLog } from '../events/event-log.ts';
import { runTasks } from './task-runner.ts';
import { NodeTracker } from './node-tracker.ts';
import { prepareRun } from './prepare-run.ts';
import { dryRunPlan } from './dry-run-plan.ts';
import { runDirOf, runIdOf } from './run-directory.ts';
import { attachRunReporters } from './run-reporters.ts';
import { runTimeoutMs, startRunAbort } from './run-timeout.ts';
import { runStartEvent } from './run-start-event.ts';
import { lifecycleTasks, logFailedTask } from './lifecycle-tasks.ts';
import { finishRun } from './finish-run.ts';
import { requireRootNeeds } from './host-needs.ts';
import { ThresholdWatch, siteAttrs } from './threshold-watch.ts';
import { modelledFactor } from '../../reports/metrics.ts';
import type { RunOptions } from './run-options.ts';
import { writeShardManifest } from '../shard/shard-manifest.ts';

export type { RunOptions } from './run-options.ts';

export async function runScenario(o: RunOptions): Promise<number> {
  const run = await prepareRun(o);
  if (o.dryRun) {
    o.stdout.write(dryRunPlan(run));
    return 0;
  }
  // Root-only needs (qemu sites, IPMI on 623, DHCP on 67) fail here, naming each, before anything starts.
  requireRootNeeds({ lab: run.lab, target: run.targetName, targetOptions: run.targetOptions, ipmi: run.ipmi });
  const { lab, seed } = run;
  const runId = runIdOf(run.scenario.name, seed, new Date());
  const runDir = runDirOf(o.out, runId);
  mkdirSync(runDir, { recursive: true });
  if (run.shard) writeShardManifest(runDir, { runId, scenario: run.scenario.name, seed, params: run.params, lab, shard: run.shard });
  const clock = realClock(lab.timeScale);
  const log = new EventLog(join(runDir, 'events.ndjson'), clock);
  const tracker = new NodeTracker(lab.nodes.map((n) => n.name));
  const timeoutMs = runTimeoutMs(run.scenario, run.params, lab);
  const abort = startRunAbort(o.signal, timeoutMs);
  const watch = new ThresholdWatch(run.thresholds, siteAttrs(lab, run.links), (reason) => abort.abort(reason), () => clock.now() * modelledFactor(run.lab.timeScale));
  // The log is on disk; in memory the run keeps only what it decides on (no copy of every event;
  // the threshold feed only when thresholds are declared).
  let thresholdsFailed = false;
  let targetError: string | null = null;
  log.on((e) => {
    tracker.onEvent(e);
    watch.onEvent(e);
    if (e.kind === 'expect.result' && !e.ok) thresholdsFailed = true;
    // The server under test crashed or broke (its adapter says so): the run failed, not a threshold.
    else if (e.kind === 'log' && e.level === 'error' && e.code?.startsWith(ERRORS.TARGET.code)) targetError ??= e.msg;
  });
  const reporters = attachRunReporters(log, tracker, clock, o);
  const rng = createRng(seed);

  log.emit(runStartEvent(run, runId));
  if (!o.json) o.stderr.write(`fleetlab: run ${runId}: ${lab.nodes.length} nodes in ${lab.sites.length} sites${run.shard ? ` (shard ${run.shard.spec.index}/${run.shard.spec.count} of ${run.shard.totalNodes} nodes)` : ''}, target ${run.targetName}, seed ${seed}\nfleetlab: run directory ${runDir}\n`);
  reporters.progress.start();
  watch.start();
  const life = lifecycleTasks({ run, runId, runDir, log, tracker, clock, rng, signal: abort.signal });
  const result = await runTasks(life.tasks, abort.signal, logFailedTask(log));
  abort.dispose();
  reporters.progress.stop();
  watch.finish(log); // its expect.result events set thresholdsFailed

  return finishRun(o, { log, runDir, seed, error: result.error ?? life.scenarioError() ?? (targetError ? new FleetlabError('TARGET', targetError) : null), thresholdsFailed, thresholdAbort: abort.abortedBy(), timedOut: abort.timedOut(), timeoutMs, reporters });
}
