/**
 * Builds what a scenario's `run` receives: node handles (lab-api.ts), the target behind a narrow
 * API, fault injection (create-fault-api.ts), thresholds (expect-api.ts), the live events and
 * named steps.
 */
import type { Clock } from '../../lab/base/clock.ts';
import type { Rng } from '../../lab/base/rng.ts';
import type { EventKind, EventOf, FleetEvent } from '../../lab/base/event.ts';
import type { Lab } from '../../lab/lab.ts';
import type { Target } from '../targets/target.ts';
import { pool } from '../targets/reference/reference-api.ts';
import type { EventLog } from '../events/event-log.ts';
import type { NodeTracker } from './node-tracker.ts';
import type { EventsApi, Params, RunContext, TargetApi } from '../scenario.ts';
import { createFaultApi } from './create-fault-api.ts';
import { createLabApi } from './lab-api.ts';
import { createExpectApi } from './expect-api.ts';
import { errText } from './err-text.ts';

export interface RunContextDeps {
  params: Params;
  seed: number;
  lab: Lab;
  target: Target;
  log: EventLog;
  tracker: NodeTracker;
  clock: Clock;
  rng: Rng;
  signal: AbortSignal;
}

export function buildRunContext(d: RunContextDeps): RunContext<Params> {
  const { lab, target, log, tracker, clock, signal } = d;
  const labApi = createLabApi({ lab, log, tracker, clock, signal });
  return {
    params: d.params,
    seed: d.seed,
    lab: labApi,
    target: targetApiOf(target, lab),
    faults: createFaultApi({ lab, target, log, clock, rng: d.rng, tracker, signal }),
    expect: createExpectApi(labApi.nodes, tracker, log),
    events: eventsApiOf(log, clock),
    async step(title, fn) {
      const t0 = clock.now();
      log.emit({ kind: 'step.start', step: title });
      try {
        const r = await fn();
        log.emit({ kind: 'step.end', step: title, ok: true, ms: Math.round(clock.now() - t0) });
        return r;
      } catch (e) {
        log.emit({ kind: 'step.end', step: title, ok: false, ms: Math.round(clock.now() - t0), error: errText(e) });
        throw e;
      }
    },
    log: (msg) => log.emit({ kind: 'log', level: 'info', msg }),
    sleep: (ms) => clock.sleep(ms),
    signal,
  };
}

function targetApiOf(target: Target, lab: Lab): TargetApi {
  // A hardware node whose BMC refused fleetlab at start has already failed with that cause; the
  // target is not asked to deploy it (its 502 would stop the others' deploys).
  const usable = (nodes: Parameters<TargetApi['provision']>[0]) => nodes.filter((n) => !lab.node(n.name)?.blocked);
  return {
    name: target.name,
    enroll: (nodes) => target.enroll(nodes),
    // A deploy request per node, 256 in flight: an operator script fanning out a fleet rollout.
    provision: (nodes, image) => pool(usable(nodes), 256, (n) => target.provision(n, image)),
    deprovision: (nodes) => pool(usable(nodes), 64, (n) => target.deprovision(n)),
    state: (n) => target.state(n),
    image: (name, bytes) => target.image(name, bytes),
  };
}

function eventsApiOf(log: EventLog, clock: Clock): EventsApi {
  return {
    on<K extends EventKind>(kind: K, cb: (e: EventOf<K>) => void) {
      return log.on((e: FleetEvent) => {
        if (e.kind === kind) cb(e as EventOf<K>);
      });
    },
    all: () => allEvents(log),
    emit: (b) => log.emit(b),
    now: () => clock.now(),
  };
}

/** The live list `events.all()` returns: buffering starts at the first call (see EventsApi.all). */
const buffers = new WeakMap<EventLog, FleetEvent[]>();
function allEvents(log: EventLog): FleetEvent[] {
  let b = buffers.get(log);
  if (!b) {
    const arr: FleetEvent[] = [];
    log.on((e) => arr.push(e));
    buffers.set(log, (b = arr));
  }
  return b;
}
