/**
 * The scenario API: what a scenario file default-exports and what its `run` receives.
 *
 *   export default defineScenario({
 *     name: 'provision',
 *     params: { sites: 10, nodesPerSite: 3, imageMB: 1 },      // --param k=v, typed by the defaults
 *     lab: (p) => ({ sites: p.sites, nodesPerSite: p.nodesPerSite }),
 *     async run({ lab, target, expect, params }) {
 *       await target.enroll(lab.nodes);
 *       const image = target.image('os-v1', params.imageMB * 1e6);
 *       await target.provision(lab.nodes, image);
 *       await lab.waitReady(lab.nodes);
 *       expect.readyRatio('all nodes ready', 1);
 *     },
 *   });
 */
import type { LabSpec } from '../lab/config/lab-spec.ts';
import type { ImageRef, TargetNode, TargetState } from './targets/target.ts';
import type { FleetEvent, EventKind, EventOf, EventBody } from '../lab/base/event.ts';
import type { FaultApi } from './fault-api.ts';

export type ParamValue = string | number | boolean;
export type Params = Record<string, ParamValue>;

export interface ScenarioDefinition<P extends Params = Params> {
  name: string;
  description?: string;
  /** Defaults; `--param k=v` overrides are coerced to the default's type. */
  params?: P;
  lab: LabSpec | ((p: P) => LabSpec);
  /** Target name (`--target` overrides) and its options (`--target-opt k=v` adds/overrides). */
  target?: string | ((p: P) => string);
  targetOptions?: Record<string, string> | ((p: P) => Record<string, string>);
  seed?: number;
  /** Whole-run timeout in ms (status `timedout`), default from the node count. */
  timeoutMs?: number | ((p: P) => number);
  /**
   * Thresholds on any metric, k6-style (README "Thresholds"): `{'phase.tftp.p95': '< 2s',
   * 'ready.ratio': '>= 0.999', 'site[link=dsl].ttr.p50': '< 5m', 'target.api.errors': '== 0'}`;
   * validated before anything starts, evaluated on the run's metrics (modelled time) at its end;
   * `{threshold, abortOnFail: true, delayAbortEval: '2m'}` stops the run early once it fails.
   * `--threshold` adds more on the command line.
   */
  thresholds?: Thresholds | ((p: P) => Thresholds);
  /** Extra checks on params (return problems as [path, message]). */
  validate?: (p: P) => [string, string][];
  /**
   * Extra lines for the `--dry-run` plan (e.g. a rollout's waves: `describeWaves(planWaves(lab, …))`).
   * Gets the resolved lab with the same labels the run's `lab` will carry and the run's seed;
   * throws count as bad input.
   */
  plan?: (p: P, lab: PlanLab, seed: number) => string[];
  run(ctx: RunContext<P>): Promise<void>;
}

/** One condition on a metric: `'< 2s'`, `'>= 0.999'`, `'== 0'`, or with k6's abort options. */
export type ThresholdCondition = string | { threshold: string; abortOnFail?: boolean; /** Modelled run time before an abort may happen ('30s', ms). */ delayAbortEval?: string | number };
/** Metric name (see README "Thresholds") → one condition or several. */
export type Thresholds = Record<string, ThresholdCondition | ThresholdCondition[]>;

/** The lab as a plan sees it (dry run and run alike): sites with labels, nodes with profiles. */
export interface PlanLab {
  sites: { name: string; labels: Record<string, string>; nodes: { name: string; site: string; profile: string; labels: Record<string, string> }[] }[];
}

export function defineScenario<P extends Params>(def: ScenarioDefinition<P>): ScenarioDefinition<P> {
  return def;
}

/** A node as a scenario sees it. */
export interface NodeHandle extends TargetNode {
  labels: Record<string, string>;
  /** The image the node currently boots from disk (null: blank disk). */
  diskImage(): string | null;
  /** Power state as its BMC reports it. */
  power(): 'on' | 'off';
  /** Phase the node is in right now (null when off/idle). */
  phase(): string | null;
}

export interface WaitResult {
  ready: NodeHandle[];
  failed: { node: NodeHandle; code: string; message: string }[];
  timedOut: NodeHandle[];
}

export interface LabApi {
  nodes: NodeHandle[];
  sites: { name: string; labels: Record<string, string>; nodes: NodeHandle[]; link: unknown }[];
  node(name: string): NodeHandle;
  /**
   * Wait until each node reaches `ready` (boot from disk) or fails, counting only events after
   * `since` (default: now). Timeout in modelled ms (scaled by timeScale), default from the profile.
   */
  waitReady(nodes: NodeHandle[], opts?: { timeoutMs?: number; since?: number }): Promise<WaitResult>;
  /** Power nodes through their BMC machine (e.g. a boot storm after an outage). */
  power(nodes: NodeHandle[], op: 'on' | 'off' | 'cycle' | 'reset'): Promise<void>;
}

export interface TargetApi {
  readonly name: string;
  enroll(nodes: NodeHandle[]): Promise<void>;
  provision(nodes: NodeHandle[], image: ImageRef): Promise<void>;
  deprovision(nodes: NodeHandle[]): Promise<void>;
  state(node: NodeHandle): Promise<TargetState>;
  image(name: string, bytes: number): ImageRef;
}

export interface ExpectApi {
  /** Share of `nodes` (default all) that reached ready, must be >= min (0..1). */
  readyRatio(name: string, min: number, nodes?: NodeHandle[]): boolean;
  /** p95 of time-to-ready (wall ms of run time, not modelled: kept for older scenarios; prefer `thresholds: {'ttr.p95': …}`) must be <= maxMs. */
  p95TimeToReadyMs(name: string, maxMs: number, nodes?: NodeHandle[]): boolean;
  /** A custom threshold: records it and returns ok. */
  check(name: string, ok: boolean, value: number | null, limit: string): boolean;
}

export interface EventsApi {
  on<K extends EventKind>(kind: K, cb: (e: EventOf<K>) => void): () => void;
  /**
   * Events from the first call of `all()` on (a live, growing list). Buffering starts then, so a
   * run that never asks keeps no copy of its log in memory; read events.ndjson for the whole run.
   */
  all(): readonly FleetEvent[];
  emit(e: EventBody): void;
  /** Run time now, ms. */
  now(): number;
}

export interface RunContext<P extends Params = Params> {
  params: P;
  seed: number;
  lab: LabApi;
  target: TargetApi;
  faults: FaultApi;
  expect: ExpectApi;
  events: EventsApi;
  /** A named step: step.start/step.end events, live output, failures attributed. */
  step<T>(title: string, fn: () => Promise<T>): Promise<T>;
  log(msg: string): void;
  sleep(modelMs: number): Promise<void>;
  signal: AbortSignal;
}
