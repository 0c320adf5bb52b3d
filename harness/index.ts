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
// Targets as plugins (`--target ./my-target.ts`): the contract, defineTarget, building blocks.
export type { Target, TargetNode, BootEndpoints, TargetContext } from './targets/target.ts';
export { defineTarget } from './targets/plugin/define-target.ts';
export type { TargetDefinition, PluginContext } from './targets/plugin/define-target.ts';
export { z } from 'zod';
export type { AgentPersona, AgentContext, AgentOutcome } from '../lab/nodes/sim/agent-persona.ts';
export { genericInstaller } from '../lab/nodes/sim/personas/generic-installer.ts';
export { httpCallbackPersona } from './targets/personas/http-callback-persona.ts';
export type { HttpCallbackConfig } from './targets/personas/http-callback-persona.ts';
export { answerFilePersona } from './targets/personas/answer-file-persona.ts';
export { startReferenceServer } from './targets/reference/reference-server.ts';
export type { ReferenceServer, ReferenceServerOptions } from './targets/reference/reference-server.ts';
export { runFleetlab, shippedScenario } from './targets/plugin/run-fleetlab.ts';
export type { FleetEvent, EventBody, NodePhase, WaveDecision } from '../lab/base/event.ts';
export type { PlanLab, Thresholds, ThresholdCondition } from './scenario.ts';
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
