/**
 * The shape of every number a report shows (`RunMetrics`) and of its parts, as `computeMetrics`
 * (reports/metrics.ts) derives them from the event log. Types only: the builders (run.json,
 * JUnit, CSV, HTML, compare) and the per-family handlers all read these.
 *
 * Units: every time is *modelled* ms since run start (`t`), every duration modelled ms, rates per
 * modelled second or minute as named, bytes as MB (1e6) per second. Modelled = wall / timeScale
 * (reports/metrics-feed.ts); the wall figure of any of them is modelled × `config.timeScale`. Host
 * load figures (event-loop lag) stay wall ms: they measure the harness, not the model.
 */
import type { FleetEvent, HostInfo, NodePhase, RunStatus, Testbed } from '../../lab/base/event.ts';
import type { Stat } from '../stats/stat.ts';

export type NodeOutcome = 'ready' | 'failed' | 'unfinished';

export interface NodeError {
  phase: NodePhase;
  code: string;
  message: string;
  t: number;
}

export interface NodeMetrics {
  name: string;
  site: string;
  profile: string;
  outcome: NodeOutcome;
  /** Start `t` of each phase (first entry) in the last provisioning; `ready` is the node.ready `t`. */
  phases: Partial<Record<NodePhase, number>>;
  /** Time spent in each phase in the last provisioning, ms, summed over re-entries. */
  phaseMs: Partial<Record<NodePhase, number>>;
  /** Provisioning start (first power-on, else first phase) and end (ready/failed), `t` ms. */
  start: number | null;
  end: number | null;
  timeToReadyMs: number | null;
  retries: number;
  provisionings: number;
  lastPhase: NodePhase | null;
  image?: string;
  error?: NodeError;
}

/** One phase instance of one node. `end`: what ended it ('open' = still running at log end). */
export interface PhaseSpan {
  node: number; // index into RunMetrics.nodes
  phase: NodePhase;
  start: number;
  ms: number;
  end: 'next' | 'ready' | 'failed' | 'open';
}

export interface RunConfig {
  runId: string;
  scenario: string;
  seed: number;
  wallStart: string;
  testbed: Testbed;
  nodes: number;
  sites: number;
  params: Record<string, string | number | boolean>;
  target: string;
  versions: Record<string, string>;
  /** The lab's timeScale (null: a log from before it was recorded, whose times are wall ms). */
  timeScale: number | null;
  host?: HostInfo;
}

export interface SiteMetrics {
  site: string;
  nodes: number;
  ready: number;
  failed: number;
  timeToReady: Stat;
}

/** Fleet rates in fixed time buckets: value i covers [t[i], t[i] + bucketMs). */
export interface RateSeries {
  bucketMs: number;
  t: number[];
  dhcpPerSec: number[];
  httpMBps: number[];
  tftpMBps: number[];
  imageMBps: number[];
  readyPerMin: number[];
  failedPerMin: number[];
  /** Nodes inside a provisioning at the end of the bucket. */
  inFlight: number[];
}

export interface FaultWindow {
  id: string;
  fault: string;
  selector: string;
  params: Record<string, unknown>;
  start: number;
  end: number;
  /** No fault.stop in the log: the window runs to the end of the log. */
  open: boolean;
  /** Sites/nodes/BMCs hit (absent: selector 'all'). */
  targets?: string[];
  /** Id of the enclosing window when this is one of its sub-windows (e.g. one outage of a link flap: `wan-flap/down#3`). */
  parent?: string;
}

export interface ThresholdResult {
  name: string;
  ok: boolean;
  value: number | null;
  limit: string;
}

export interface StepRecord {
  step: string;
  start: number;
  ms: number | null;
  ok: boolean | null;
  error?: string;
}

export interface WaveRecord {
  t: number;
  wave: string;
  decision: string;
  nodes: number;
  detail?: string;
}

/** An interval (`t` ms) in which the host was saturated (reports shade it like a fault window). */
export interface HostWindow {
  start: number;
  end: number;
}

/** How loaded the host was while the run measured (host.sample / host.udp events). */
export interface HostMetrics {
  /** host.sample events (0: a run from before sampling existed, or too short for one). */
  samples: number;
  saturatedMs: number;
  maxLoopLagMs: number;
  windows: HostWindow[];
  /** Per phase: share of its spans that overlap a saturated window (absent = none did). */
  saturatedPhaseShare: Partial<Record<NodePhase, number>>;
  /** Share of provisionings (power-on → ready/failed) that overlap a saturated window. */
  saturatedProvisioningShare: number;
  /** Datagrams the kernel dropped during the run (null: not recorded / not readable). */
  udp: { inErrors: number | null; rcvbufErrors: number | null; sndbufErrors: number | null; ownSocketDrops: number | null } | null;
}

export interface RunMetrics {
  config: RunConfig | null;
  /** The server under test's version (target.version events), null when the target reported none. */
  targetVersion: Record<string, string> | null;
  /** run.end's status; 'interrupted' when the log has no run.end (killed run). */
  status: RunStatus;
  reason?: string;
  ended: boolean;
  /** `t` of run.end, else of the last event. */
  durationMs: number;
  nodes: NodeMetrics[];
  counts: { total: number; ready: number; failed: number; unfinished: number };
  timeToReady: Stat;
  /**
   * Time spent in each timed phase per provisioning (re-entries summed, so a DHCP retry makes one
   * longer sample, not two); errors = provisionings that failed in that phase.
   */
  phases: Partial<Record<NodePhase, Stat>>;
  spans: PhaseSpan[];
  sites: SiteMetrics[];
  rates: RateSeries;
  latency: {
    dhcp: Stat; // DISCOVER→ACK per exchange (both stages)
    tftp: Stat;
    http: Stat; // errors: status >= 400
    image: Stat; // agent image download+verify; errors: checksum/download failed
    bmc: Stat; // errors: HTTP >= 400, IPMI completion != 0, or a string status other than 'ok'
    bmcByProto: Record<string, Stat>;
  };
  retries: Stat;
  dhcpRetransmits: number;
  /** node.failed codes → count (why nodes failed). */
  errorCodes: Record<string, number>;
  /** node.error codes → count (errors a node reported, failed or not). */
  nodeErrorCodes: Record<string, number>;
  /** error-level `log` lines by code ('none' without one): target crashes, failed setups. */
  logErrorCodes: Record<string, number>;
  thresholds: ThresholdResult[];
  faults: FaultWindow[];
  steps: StepRecord[];
  waves: WaveRecord[];
  /** The last events of each node that did not end ready (for the failures table). */
  lastEvents: Record<string, FleetEvent[]>;
  host: HostMetrics;
}
