/**
 * Connects the scenario's FaultApi to the lab's fault controller (lab/faults): the lab becomes
 * a FaultWorld (nodes' NodeFaults and machines, sites' link models, BMCs' fault state, phases
 * from the live event log) and every call goes to one FaultController per run.
 */
import type { Clock } from '../../lab/base/clock.ts';
import type { Rng } from '../../lab/base/rng.ts';
import type { Lab } from '../../lab/lab.ts';
import type { Target } from '../targets/target.ts';
import type { EventLog } from '../events/event-log.ts';
import type { NodeTracker } from './node-tracker.ts';
import type { FaultApi } from '../fault-api.ts';
import { FaultController } from '../../lab/faults/fault-controller.ts';
import { faultWorldForLab } from '../../lab/faults/build-fault-world.ts';

export interface FaultDeps {
  lab: Lab;
  target: Target;
  log: EventLog;
  clock: Clock;
  rng: Rng;
  tracker: NodeTracker;
  signal: AbortSignal;
}

export function createFaultApi(d: FaultDeps): FaultApi & { controller: FaultController } {
  const world = faultWorldForLab(d.lab, {
    clock: d.clock,
    rng: d.rng,
    emit: (b) => d.log.emit(b),
    subscribe: (l) => d.log.on(l),
    // kill/pause hooks of a target fleetlab started (target-kill fault); absent hooks = not killable.
    target: d.target,
  });
  const controller = new FaultController(world);
  return {
    controller,
    inject: (spec) => controller.inject(spec),
    schedule: (specs) => controller.schedule(specs),
    stop: (id) => controller.stop(id),
    healAll: () => controller.healAll(),
  };
}
