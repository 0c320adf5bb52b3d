/**
 * The run as a task list (task-runner.ts): each setup starts one part, its teardown stops it,
 * in reverse and also after a failure, a timeout or SIGINT.
 *
 *   start target ─▶ start lab (relays, nodes, BMCs, site links) ─▶ faults (the RunContext) ─▶ scenario.run
 *   stop target  ◀─ close lab                                   ◀─ heal every fault
 */
import { join } from 'node:path';
import { realClock, type Clock } from '../../lab/base/clock.ts';
import type { Rng } from '../../lab/base/rng.ts';
import { isFleetlabError } from '../../lab/base/errors.ts';
import { startLab, type Lab } from '../../lab/lab.ts';
import { isNetnsSite } from '../../lab/config/lab-spec.ts';
import type { EventLog } from '../events/event-log.ts';
import type { Target } from '../targets/target.ts';
import type { Params, RunContext } from '../scenario.ts';
import type { Task } from './task-runner.ts';
import type { NodeTracker } from './node-tracker.ts';
import type { PreparedRun } from './prepare-run.ts';
import { buildRunContext } from './run-context.ts';
import { targetNodeOf } from './target-node.ts';
import { errText } from './err-text.ts';
import { sampleIntervalMs, startHostSampler, type HostSampler } from './host-sampler.ts';
import { shardBarrierTask } from '../shard/shard-barrier.ts';

export interface LifecycleDeps {
  run: PreparedRun;
  runId: string;
  runDir: string;
  log: EventLog;
  tracker: NodeTracker;
  clock: Clock;
  rng: Rng;
  signal: AbortSignal;
}

export interface LifecycleTasks {
  tasks: Task[];
  /** What scenario.run threw (null: it returned, or never ran). */
  scenarioError(): unknown;
}

export function lifecycleTasks(d: LifecycleDeps): LifecycleTasks {
  const { run, log, signal } = d;
  let target: Target | null = null;
  let lab: Lab | null = null;
  let ctx: RunContext<Params> | null = null;
  let scenarioError: unknown = null;
  let host: HostSampler | null = null;
  const tasks: Task[] = [
    {
      // First up, last down: the load samples cover the whole run, target start included.
      title: 'host sampling',
      setup: async () => {
        host = startHostSampler(log, sampleIntervalMs(run.lab.timeScale));
      },
      teardown: async () => {
        host?.stop();
      },
    },
    {
      title: `start target ${run.targetName}`,
      setup: async () => {
        target = run.factory({ lab: run.lab, options: run.targetOptions, runDir: d.runDir, runId: d.runId, events: log, signal });
        await target.start?.();
      },
      teardown: async () => {
        await target?.stop?.();
      },
    },
    {
      title: 'start lab',
      setup: async () => {
        lab = await startRunLab(d, target!, () => lab!);
      },
      teardown: async () => {
        await lab?.close();
      },
    },
    {
      // Torn down before the lab: per-socket drop counts vanish with the sockets.
      title: 'udp drop count',
      setup: async () => {},
      teardown: async () => {
        host?.reportUdpDrops();
      },
    },
    {
      title: 'faults',
      setup: async () => {
        ctx = buildRunContext({ params: run.params, seed: run.seed, lab: lab!, target: target!, log, tracker: d.tracker, clock: d.clock, rng: d.rng, signal });
      },
      teardown: async () => {
        await ctx?.faults.healAll();
      },
    },
    ...(run.shard?.coordinator ? [shardBarrierTask(run.shard, run.shard.coordinator, log, signal)] : []),
    {
      title: `scenario ${run.scenario.name}`,
      setup: async () => {
        try {
          await run.scenario.run(ctx!);
        } catch (e) {
          scenarioError = e;
          throw e;
        }
      },
    },
  ];
  return { tasks, scenarioError: () => scenarioError };
}

/** `self` is the lab being started: agent personas look their node up in it once it runs. */
function startRunLab(d: LifecycleDeps, target: Target, self: () => Lab): Promise<Lab> {
  const { run, clock, rng } = d;
  return startLab({
    spec: run.lab,
    events: d.log,
    clock,
    rng,
    boot: target.endpoints(),
    persona: (name) => target.agent(targetNodeOf(self(), name)),
    // qemu and hardware sites' frames cross the link in real time, whatever the lab's timeScale.
    linkFor: (s) => run.links.linkFor(s, isNetnsSite(s) ? realClock(1) : clock, rng),
    ipmi: run.ipmi,
    signal: d.signal,
    qemu: { runId: d.runId, workDir: join(d.runDir, 'qemu'), linkProfile: (site) => run.links.profiles.get(site), linkEngine: qemuLinkEngine(run.params) },
    ...(run.inventory ? { hardware: { inventory: run.inventory } } : {}),
  });
}

/** `--param linkEngine=kernel` picks the tc/nft WAN for qemu sites; anything else the userspace one. */
function qemuLinkEngine(params: Params): 'userspace' | 'kernel' {
  return params.linkEngine === 'kernel' ? 'kernel' : 'userspace';
}

/** A failed setup or teardown becomes an error log line (with its code) in the run's events. */
export function logFailedTask(log: EventLog) {
  return (title: string, phase: 'setup' | 'teardown', ok: boolean, _ms: number, error?: unknown): void => {
    if (!ok) log.emit({ kind: 'log', level: 'error', msg: `${phase} '${title}' failed: ${errText(error)}`, ...(isFleetlabError(error) ? { code: error.code } : {}) });
  };
}
