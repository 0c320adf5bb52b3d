/**
 * Connects the scenario's FaultApi to the lab's fault controller (lab/faults). Until that
 * controller lands, injecting a fault is a clear error rather than a silent no-op.
 */
import type { Clock } from '../../lab/clock.ts';
import type { Rng } from '../../lab/rng.ts';
import type { Lab } from '../../lab/lab.ts';
import type { Target } from '../targets/target.ts';
import type { EventLog } from '../events/event-log.ts';
import type { NodeTracker } from './node-tracker.ts';
import type { FaultApi } from '../fault-api.ts';
import { FleetlabError } from '../../lab/errors.ts';

export interface FaultDeps {
  lab: Lab;
  target: Target;
  log: EventLog;
  clock: Clock;
  rng: Rng;
  tracker: NodeTracker;
  signal: AbortSignal;
}

export function createFaultApi(_d: FaultDeps): FaultApi {
  const unavailable = () => Promise.reject(new FleetlabError('SCENARIO_INVALID', 'fault injection is not wired into this build yet'));
  return {
    inject: unavailable,
    schedule: unavailable,
    stop: unavailable,
    healAll: () => Promise.resolve(),
  };
}
