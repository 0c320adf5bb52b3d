/**
 * fleetlab's public API: what scenario files import (`import { defineScenario } from 'fleetlab'`
 * or, inside this repository, from './index.ts').
 */
export { defineScenario } from './scenario.ts';
export { defineSuite } from './define-suite.ts';
export type { SuiteDefinition, SuiteRunSpec } from './define-suite.ts';
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
export type { LabSpec, SiteSpec } from '../lab/config/lab-spec.ts';
export type { ImageRef, TargetState, TargetPhase } from './targets/target.ts';
export type { FleetEvent, EventBody, NodePhase, WaveDecision } from '../lab/base/event.ts';
export type { PlanLab } from './scenario.ts';
// Rollouts: waves, strategies, halt/rollback, health checks (harness/rollout/).
export { provisionFleet } from './provision-fleet.ts';
export { rollout, checkRolloutOptions, parseMaxUnavailable } from './rollout/rollout.ts';
export type { RolloutOptions, RolloutResult, RolloutStrategy, WaveReport } from './rollout/rollout.ts';
export { planWaves, describeWaves } from './rollout/plan-waves.ts';
export type { PlannedWave, WavePlanOptions } from './rollout/plan-waves.ts';
export { matches } from './rollout/wave-spec.ts';
export type { WaveSpec, GeneratedWaves, WavesInput, LabelSelector, ParsedWave } from './rollout/wave-spec.ts';
export { withDefects } from './rollout/rollout-image.ts';
export type { RolloutImage } from './rollout/rollout-image.ts';
export { defaultHealthCheck } from './rollout/health-check.ts';
export type { HealthCheck, HealthResult } from './rollout/health-check.ts';
export type { HaltPolicy } from './rollout/halt-policy.ts';
export { waveStats, formatStats, parseDetail } from './rollout/wave-stats.ts';
export type { NodeOutcome, WaveStats } from './rollout/wave-stats.ts';
