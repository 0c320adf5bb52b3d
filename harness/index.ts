/**
 * fleetlab's public API: what scenario files import (`import { defineScenario } from 'fleetlab'`
 * or, inside this repository, from '../harness/index.ts').
 */
export { defineScenario } from './scenario.ts';
export type {
  ScenarioDefinition,
  RunContext,
  LabApi,
  TargetApi,
  ExpectApi,
  EventsApi,
  NodeHandle,
  WaitResult,
  Params,
  ParamValue,
} from './scenario.ts';
export type { FaultApi, FaultSpec } from './fault-api.ts';
export type { LabSpec, SiteSpec } from '../lab/spec/lab-spec.ts';
export type { ImageRef, TargetState, TargetPhase } from './targets/target.ts';
export type { FleetEvent, EventBody, NodePhase } from '../lab/events/event.ts';
