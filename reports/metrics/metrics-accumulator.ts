/**
 * The one accumulator every event-family handler feeds while `computeMetrics` reads the log once.
 * Handlers only append samples and update per-node state here; turning samples into `Stat`s,
 * sites and rate buckets happens once at the end (finish-metrics.ts), when the run's length and
 * every node's last provisioning are known.
 *
 *   run-handlers ─┐
 *   node-handlers ┤
 *   boot-transfer ┼──▶ MetricsAccumulator ──finishMetrics──▶ RunMetrics
 *   bmc / fault … ┘
 */
import type { EventHandlers, EventKind, FleetEvent, NodePhase, RunStatus } from '../../lab/base/event.ts';
import type { FaultWindow, NodeMetrics, PhaseSpan, RunConfig, StepRecord, ThresholdResult, WaveRecord } from './run-metrics.ts';
import { emptyRatePoints, type RatePoints } from './rate-series.ts';
import { newHostAccumulator, type HostAccumulator } from './host-accumulator.ts';

/** The handlers of one event family (a slice of the exhaustive map `computeMetrics` assembles). */
export type FamilyHandlers<K extends EventKind> = Pick<EventHandlers<void>, K>;

/** A latency sample set: successful durations and a count of errors. */
export interface Samples {
  ms: number[];
  errors: number;
}

/** Where one node is in its provisioning (see node-state.ts for the timeline model). */
export interface NodeState {
  m: NodeMetrics;
  index: number;
  closed: boolean;
  seen: Set<NodePhase>;
  powerOn: number | null;
  firstPhase: number | null;
  current: { phase: NodePhase; t: number } | null;
  /** Timer lateness (event.ts lateMs) subtracted since the provisioning's time-to-ready start. */
  lateSinceStart: number;
  /** Completed time per phase in the open provisioning, flushed into the phase samples at its end. */
  done: Map<NodePhase, number>;
  recent: FleetEvent[];
}

export interface MetricsAccumulator {
  config: RunConfig | null;
  /** target.version events merged (null: the target reported none). */
  targetVersion: Record<string, string> | null;
  status: RunStatus | null;
  reason: string | undefined;
  endT: number | null;
  lastT: number;
  /** In order of first mention: that order is the node order of every report. */
  nodes: Map<string, NodeState>;
  bmcToNode: Map<string, string>;
  spans: PhaseSpan[];
  /** Per-provisioning time in each phase (re-entries summed) and failed-phase counts. */
  phaseSamples: Map<NodePhase, number[]>;
  phaseErrors: Map<NodePhase, number>;
  ttrSamples: number[];
  ttrByNode: { node: number; ms: number }[];
  latency: { dhcp: Samples; tftp: Samples; http: Samples; image: Samples; bmc: Samples };
  bmcByProto: Map<string, Samples>;
  retriesPerProvisioning: number[];
  dhcpRetransmits: number;
  errorCodes: Record<string, number>;
  nodeErrorCodes: Record<string, number>;
  logErrorCodes: Record<string, number>;
  thresholds: ThresholdResult[];
  openFaults: Map<string, FaultWindow>;
  faultIds: Set<string>;
  faults: FaultWindow[];
  steps: StepRecord[];
  openSteps: Map<string, StepRecord>;
  waves: WaveRecord[];
  /** Raw timed points for the rate buckets (bucket width is known only at the end). */
  points: RatePoints;
  host: HostAccumulator;
}

const samples = (): Samples => ({ ms: [], errors: 0 });

export function newAccumulator(): MetricsAccumulator {
  return {
    config: null,
    targetVersion: null,
    status: null,
    reason: undefined,
    endT: null,
    lastT: 0,
    nodes: new Map(),
    bmcToNode: new Map(),
    spans: [],
    phaseSamples: new Map(),
    phaseErrors: new Map(),
    ttrSamples: [],
    ttrByNode: [],
    latency: { dhcp: samples(), tftp: samples(), http: samples(), image: samples(), bmc: samples() },
    bmcByProto: new Map(),
    retriesPerProvisioning: [],
    dhcpRetransmits: 0,
    errorCodes: {},
    nodeErrorCodes: {},
    logErrorCodes: {},
    thresholds: [],
    openFaults: new Map(),
    faultIds: new Set(),
    faults: [],
    steps: [],
    openSteps: new Map(),
    waves: [],
    points: emptyRatePoints(),
    host: newHostAccumulator(),
  };
}

/** `counts[key]++`, starting at 0. */
export function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
