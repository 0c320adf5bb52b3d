/**
 * Every number a report shows, as a pure function of the event log (ARCHITECTURE.md: reports never
 * re-measure anything).
 *
 *   events ──one pass, exhaustive handler map──▶ per-node provisioning state ──▶ RunMetrics
 *                                                per-kind samples, rate buckets
 *
 * Node timeline model: `node.phase` marks the START of a phase; a phase lasts until the node's next
 * `node.phase`, `node.ready` or `node.failed` (that end is the span's `end`). A provisioning is the
 * stretch from the first phase after the node's previous end to its next ready/failed; a node may
 * be provisioned several times (rollouts) and each provisioning adds samples. Time-to-ready runs
 * from the provisioning's first 'power-on' (its first phase when no power-on was logged) to
 * `node.ready`. Re-entering a phase already seen in the provisioning (or `attempt > 1`) is a retry.
 * The per-node record (run.json) describes the node's LAST provisioning.
 *
 * Units: every time is ms since run start (`t`), every duration ms, rates per second or minute as
 * named, bytes as MB (1e6) per second.
 */
import type { EventHandlers, FleetEvent, NodePhase, RunStatus, Testbed } from '../lab/base/event.ts';
import { computeStat, type Stat } from './stats/stat.ts';
import { TIMED_PHASES } from './phases.ts';

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

export interface RunMetrics {
  config: RunConfig | null;
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
  thresholds: ThresholdResult[];
  faults: FaultWindow[];
  steps: StepRecord[];
  waves: WaveRecord[];
  /** The last events of each node that did not end ready (for the failures table). */
  lastEvents: Record<string, FleetEvent[]>;
}

const LAST_EVENTS_KEPT = 10;

interface NodeState {
  m: NodeMetrics;
  index: number;
  closed: boolean;
  seen: Set<NodePhase>;
  powerOn: number | null;
  firstPhase: number | null;
  current: { phase: NodePhase; t: number } | null;
  /** Completed time per phase in the open provisioning, flushed into the phase samples at its end. */
  done: Map<NodePhase, number>;
  recent: FleetEvent[];
}

/** Unfinished nodes grouped by the phase they were in when the log ended ('none' = never started). */
export function unfinishedByPhase(m: Pick<RunMetrics, 'nodes'>): [string, number][] {
  const by = new Map<string, number>();
  for (const n of m.nodes) if (n.outcome === 'unfinished') by.set(n.lastPhase ?? 'none', (by.get(n.lastPhase ?? 'none') ?? 0) + 1);
  return [...by.entries()].sort((a, b) => b[1] - a[1]);
}

export function bmcStatusOk(status: number | string): boolean {
  if (typeof status === 'string') return status.toLowerCase() === 'ok';
  return status === 0 || (status >= 200 && status < 400);
}

/** Bucket width giving at most ~120 buckets over `durationMs`, on a human step (1 s, 5 s, 1 min…). */
export function niceBucketMs(durationMs: number): number {
  const steps = [100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000];
  for (const s of steps) if (durationMs / s <= 120) return s;
  return Math.ceil(durationMs / 120 / 3_600_000) * 3_600_000;
}

export function computeMetrics(events: FleetEvent[]): RunMetrics {
  let config: RunConfig | null = null;
  let status: RunStatus | null = null;
  let reason: string | undefined;
  let endT: number | null = null;
  let lastT = 0;
  const nodes = new Map<string, NodeState>();
  const bmcToNode = new Map<string, string>();
  const spans: PhaseSpan[] = [];
  // Per-provisioning time in each phase (re-entries summed) and failed-phase counts.
  const phaseSamples = new Map<NodePhase, number[]>();
  const phaseErrors = new Map<NodePhase, number>();
  const ttrSamples: number[] = [];
  const ttrByNode: { node: number; ms: number }[] = [];
  const dhcpMs: number[] = [];
  const tftpMs: number[] = [];
  const httpMs: number[] = [];
  let httpErrors = 0;
  const imageMs: number[] = [];
  let imageErrors = 0;
  const bmcMs: number[] = [];
  let bmcErrors = 0;
  const bmcByProto = new Map<string, { ms: number[]; errors: number }>();
  const retriesPerProvisioning: number[] = [];
  let dhcpRetransmits = 0;
  const errorCodes: Record<string, number> = {};
  const nodeErrorCodes: Record<string, number> = {};
  const thresholds: ThresholdResult[] = [];
  const openFaults = new Map<string, FaultWindow>();
  const faultIds = new Set<string>();
  const faults: FaultWindow[] = [];
  const steps: StepRecord[] = [];
  const openSteps = new Map<string, StepRecord>();
  const waves: WaveRecord[] = [];
  // Raw timed points for the rate buckets (bucket width is known only at the end).
  const dhcpAcks: number[] = [];
  const transfers: { kind: 'http' | 'tftp' | 'image'; from: number; to: number; bytes: number }[] = [];
  const readyTs: number[] = [];
  const failedTs: number[] = [];
  const flight: { t: number; d: 1 | -1 }[] = [];

  const node = (name: string): NodeState => {
    let s = nodes.get(name);
    if (!s) {
      s = {
        m: { name, site: 'unknown', profile: 'unknown', outcome: 'unfinished', phases: {}, phaseMs: {}, start: null, end: null, timeToReadyMs: null, retries: 0, provisionings: 0, lastPhase: null },
        index: nodes.size,
        closed: true,
        seen: new Set(),
        powerOn: null,
        firstPhase: null,
        current: null,
        done: new Map(),
        recent: [],
      };
      nodes.set(name, s);
    }
    return s;
  };
  const remember = (name: string, e: FleetEvent) => {
    const s = node(name);
    s.recent.push(e);
    if (s.recent.length > LAST_EVENTS_KEPT) s.recent.shift();
  };
  const setSite = (name: string, site: string) => {
    const s = node(name);
    if (s.m.site === 'unknown') s.m.site = site;
  };
  const closeSpan = (s: NodeState, t: number, end: PhaseSpan['end']) => {
    if (!s.current) return;
    const { phase } = s.current;
    const ms = t - s.current.t;
    s.current = null;
    if (phase === 'ready') return; // terminal marker, no duration
    spans.push({ node: s.index, phase, start: t - ms, ms, end });
    s.m.phaseMs[phase] = (s.m.phaseMs[phase] ?? 0) + ms;
    if (end === 'failed') phaseErrors.set(phase, (phaseErrors.get(phase) ?? 0) + 1);
    else s.done.set(phase, (s.done.get(phase) ?? 0) + ms);
  };
  const flushPhases = (s: NodeState) => {
    for (const [p, ms] of s.done) {
      let a = phaseSamples.get(p);
      if (!a) phaseSamples.set(p, (a = []));
      a.push(ms);
    }
    s.done.clear();
  };
  const finish = (s: NodeState, t: number) => {
    flushPhases(s);
    s.closed = true;
    s.m.end = t;
    retriesPerProvisioning.push(s.m.retries);
    flight.push({ t, d: -1 });
  };
  const countCode = (code: string) => {
    errorCodes[code] = (errorCodes[code] ?? 0) + 1;
  };

  const h: EventHandlers<void> = {
    'run.start': (e) => {
      config = { runId: e.runId, scenario: e.scenario, seed: e.seed, wallStart: e.wallStart, testbed: e.testbed, nodes: e.nodes, sites: e.sites, params: e.params, target: e.target, versions: e.versions };
    },
    'run.end': (e) => {
      status = e.status;
      reason = e.reason;
      endT = e.t;
    },
    'step.start': (e) => {
      const r: StepRecord = { step: e.step, start: e.t, ms: null, ok: null };
      steps.push(r);
      openSteps.set(e.step, r);
    },
    'step.end': (e) => {
      const r = openSteps.get(e.step);
      openSteps.delete(e.step);
      const rec = r ?? { step: e.step, start: e.t - e.ms, ms: null, ok: null };
      if (!r) steps.push(rec);
      rec.ms = e.ms;
      rec.ok = e.ok;
      if (e.error !== undefined) rec.error = e.error;
    },
    'node.power': (e) => remember(e.node, e),
    'node.phase': (e) => {
      const s = node(e.node);
      remember(e.node, e);
      if (s.closed) {
        // A stray terminal marker right after node.ready is not a new provisioning.
        if (e.phase === 'ready' && s.m.outcome === 'ready') return;
        s.closed = false;
        s.m.provisionings++;
        s.m.phases = {};
        s.m.phaseMs = {};
        s.m.retries = 0;
        s.m.outcome = 'unfinished';
        s.m.end = null;
        s.m.timeToReadyMs = null;
        delete s.m.error;
        delete s.m.image;
        s.seen.clear();
        s.powerOn = null;
        s.firstPhase = e.t;
        s.m.start = e.t;
        flight.push({ t: e.t, d: 1 });
      }
      closeSpan(s, e.t, 'next');
      if (s.seen.has(e.phase) || (e.attempt ?? 1) > 1) s.m.retries++;
      s.seen.add(e.phase);
      if (s.m.phases[e.phase] === undefined) s.m.phases[e.phase] = e.t;
      if (e.phase === 'power-on' && s.powerOn === null) {
        s.powerOn = e.t;
        s.m.start = e.t;
      }
      s.current = { phase: e.phase, t: e.t };
      s.m.lastPhase = e.phase;
    },
    'node.ready': (e) => {
      const s = node(e.node);
      remember(e.node, e);
      const started = !s.closed;
      closeSpan(s, e.t, 'ready');
      s.m.outcome = 'ready';
      s.m.phases.ready = e.t;
      if (e.image !== undefined) s.m.image = e.image;
      const from = s.powerOn ?? s.firstPhase;
      if (started && from !== null) {
        const ttr = e.t - from;
        s.m.timeToReadyMs = ttr;
        ttrSamples.push(ttr);
        ttrByNode.push({ node: s.index, ms: ttr });
      }
      readyTs.push(e.t);
      if (started) finish(s, e.t);
      else s.m.end = e.t;
    },
    'node.failed': (e) => {
      const s = node(e.node);
      remember(e.node, e);
      const started = !s.closed;
      closeSpan(s, e.t, 'failed');
      s.m.outcome = 'failed';
      s.m.error = { phase: e.phase, code: e.code, message: e.message, t: e.t };
      countCode(e.code);
      failedTs.push(e.t);
      if (started) finish(s, e.t);
      else s.m.end = e.t;
    },
    'node.error': (e) => {
      remember(e.node, e);
      nodeErrorCodes[e.code] = (nodeErrorCodes[e.code] ?? 0) + 1;
    },
    'dhcp.discover': (e) => {
      remember(e.node, e);
      setSite(e.node, e.site);
      if (e.attempt > 1) dhcpRetransmits++;
    },
    'dhcp.offer': (e) => {
      remember(e.node, e);
      setSite(e.node, e.site);
    },
    'dhcp.ack': (e) => {
      remember(e.node, e);
      setSite(e.node, e.site);
      dhcpMs.push(e.ms);
      dhcpAcks.push(e.t);
    },
    'tftp.done': (e) => {
      remember(e.node, e);
      tftpMs.push(e.ms);
      transfers.push({ kind: 'tftp', from: e.t - e.ms, to: e.t, bytes: e.bytes });
    },
    'http.done': (e) => {
      remember(e.node, e);
      if (e.status >= 400) httpErrors++;
      else httpMs.push(e.ms);
      transfers.push({ kind: 'http', from: e.t - e.ms, to: e.t, bytes: e.bytes });
    },
    'boot.kernel': (e) => remember(e.node, e),
    'boot.disk': (e) => remember(e.node, e),
    'agent.start': (e) => remember(e.node, e),
    'agent.step': (e) => remember(e.node, e),
    'agent.image': (e) => {
      remember(e.node, e);
      if (e.ok) imageMs.push(e.ms);
      else imageErrors++;
      transfers.push({ kind: 'image', from: e.t - e.ms, to: e.t, bytes: e.bytes });
    },
    'agent.callback': (e) => remember(e.node, e),
    'target.state': (e) => remember(e.node, e),
    'bmc.request': (e) => {
      const owner = bmcToNode.get(e.bmc);
      if (owner !== undefined) remember(owner, e);
      let p = bmcByProto.get(e.proto);
      if (!p) bmcByProto.set(e.proto, (p = { ms: [], errors: 0 }));
      if (bmcStatusOk(e.status)) {
        bmcMs.push(e.ms);
        p.ms.push(e.ms);
      } else {
        bmcErrors++;
        p.errors++;
      }
    },
    'fault.start': (e) => {
      const w: FaultWindow = { id: e.id, fault: e.fault, selector: e.selector, params: e.params, start: e.t, end: e.t, open: true };
      if (e.targets) w.targets = e.targets;
      const slash = e.id.lastIndexOf('/');
      if (slash > 0 && faultIds.has(e.id.slice(0, slash))) w.parent = e.id.slice(0, slash);
      faultIds.add(e.id);
      faults.push(w);
      openFaults.set(e.id, w);
    },
    'fault.stop': (e) => {
      const w = openFaults.get(e.id);
      if (!w) return;
      w.end = e.t;
      w.open = false;
      openFaults.delete(e.id);
    },
    'wave.decision': (e) => {
      const w: WaveRecord = { t: e.t, wave: e.wave, decision: e.decision, nodes: e.nodes };
      if (e.detail !== undefined) w.detail = e.detail;
      waves.push(w);
    },
    'expect.result': (e) => {
      thresholds.push({ name: e.name, ok: e.ok, value: e.value, limit: e.limit });
    },
    'node.info': (e) => {
      const s = node(e.node);
      s.m.site = e.site;
      s.m.profile = e.profile;
      bmcToNode.set(e.bmc, e.node);
    },
    log: () => {},
  };

  for (const e of events) {
    if (e.t > lastT) lastT = e.t;
    const fn = (h as Record<string, ((ev: FleetEvent) => void) | undefined>)[e.kind];
    fn?.(e); // unknown kinds (a newer writer) are skipped, not fatal
  }

  const durationMs = Math.max(endT ?? 0, lastT);
  for (const s of nodes.values()) {
    if (!s.closed && s.current) {
      const { phase, t } = s.current;
      if (phase !== 'ready') spans.push({ node: s.index, phase, start: t, ms: durationMs - t, end: 'open' });
    }
    if (!s.closed) flushPhases(s); // completed phases of a cut-short provisioning still count
  }
  for (const w of openFaults.values()) w.end = durationMs;

  const nodeList = [...nodes.values()].map((s) => s.m);
  const counts = { total: nodeList.length, ready: 0, failed: 0, unfinished: 0 };
  for (const n of nodeList) counts[n.outcome]++;

  // Per-site time-to-ready uses every provisioning that reached ready, like the fleet figure.
  const siteAgg = new Map<string, { nodes: number; ready: number; failed: number; ttr: number[] }>();
  for (const n of nodeList) {
    let a = siteAgg.get(n.site);
    if (!a) siteAgg.set(n.site, (a = { nodes: 0, ready: 0, failed: 0, ttr: [] }));
    a.nodes++;
    if (n.outcome === 'ready') a.ready++;
    if (n.outcome === 'failed') a.failed++;
  }
  for (const r of ttrByNode) siteAgg.get(nodeList[r.node]!.site)!.ttr.push(r.ms);
  const sites: SiteMetrics[] = [...siteAgg.entries()]
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([site, a]) => ({ site, nodes: a.nodes, ready: a.ready, failed: a.failed, timeToReady: computeStat(a.ttr) }));

  const phases: Partial<Record<NodePhase, Stat>> = {};
  for (const p of TIMED_PHASES) {
    const ms = phaseSamples.get(p) ?? [];
    const errors = phaseErrors.get(p) ?? 0;
    if (ms.length || errors) phases[p] = computeStat(ms, errors);
  }

  const lastEvents: Record<string, FleetEvent[]> = {};
  for (const s of nodes.values()) if (s.m.outcome !== 'ready' && s.recent.length) lastEvents[s.m.name] = s.recent;

  const bmcProto: Record<string, Stat> = {};
  for (const [p, a] of bmcByProto) bmcProto[p] = computeStat(a.ms, a.errors);

  return {
    config,
    status: status ?? 'interrupted',
    ...(reason !== undefined ? { reason } : {}),
    ended: status !== null,
    durationMs,
    nodes: nodeList,
    counts,
    timeToReady: computeStat(ttrSamples, counts.failed),
    phases,
    spans,
    sites,
    rates: buildRates(durationMs, dhcpAcks, transfers, readyTs, failedTs, flight),
    latency: {
      dhcp: computeStat(dhcpMs),
      tftp: computeStat(tftpMs),
      http: computeStat(httpMs, httpErrors),
      image: computeStat(imageMs, imageErrors),
      bmc: computeStat(bmcMs, bmcErrors),
      bmcByProto: bmcProto,
    },
    retries: computeStat(retriesPerProvisioning),
    dhcpRetransmits,
    errorCodes,
    nodeErrorCodes,
    thresholds,
    faults,
    steps,
    waves,
    lastEvents,
  };
}

function buildRates(
  durationMs: number,
  dhcpAcks: number[],
  transfers: { kind: 'http' | 'tftp' | 'image'; from: number; to: number; bytes: number }[],
  readyTs: number[],
  failedTs: number[],
  flight: { t: number; d: 1 | -1 }[],
): RateSeries {
  const bucketMs = niceBucketMs(durationMs);
  const n = Math.max(1, Math.ceil(durationMs / bucketMs));
  const zero = () => new Array<number>(n).fill(0);
  const idx = (t: number) => Math.min(n - 1, Math.max(0, Math.floor(t / bucketMs)));
  const perSec = 1000 / bucketMs;
  const perMin = 60_000 / bucketMs;
  const dhcp = zero();
  for (const t of dhcpAcks) dhcp[idx(t)]!++;
  const bytes = { http: zero(), tftp: zero(), image: zero() };
  for (const x of transfers) spread(bytes[x.kind], bucketMs, x.from, x.to, x.bytes);
  const ready = zero();
  for (const t of readyTs) ready[idx(t)]!++;
  const failed = zero();
  for (const t of failedTs) failed[idx(t)]!++;
  const delta = zero();
  for (const f of flight) delta[idx(f.t)]! += f.d;
  const inFlight = zero();
  let acc = 0;
  for (let i = 0; i < n; i++) inFlight[i] = acc += delta[i]!;
  const mbps = (a: number[]) => a.map((b) => (b / 1e6) * perSec);
  return {
    bucketMs,
    t: Array.from({ length: n }, (_, i) => i * bucketMs),
    dhcpPerSec: dhcp.map((c) => c * perSec),
    httpMBps: mbps(bytes.http),
    tftpMBps: mbps(bytes.tftp),
    imageMBps: mbps(bytes.image),
    readyPerMin: ready.map((c) => c * perMin),
    failedPerMin: failed.map((c) => c * perMin),
    inFlight,
  };
}

/** Adds `amount` spread evenly over [from, to] into the buckets it overlaps. */
function spread(arr: number[], bucketMs: number, from: number, to: number, amount: number): void {
  const n = arr.length;
  const clamp = (i: number) => Math.min(n - 1, Math.max(0, i));
  if (!(to > from)) {
    arr[clamp(Math.floor(to / bucketMs))]! += amount;
    return;
  }
  const rate = amount / (to - from);
  let i = clamp(Math.floor(from / bucketMs));
  const last = clamp(Math.floor(to / bucketMs));
  for (; i <= last; i++) {
    const lo = i === clamp(Math.floor(from / bucketMs)) ? from : i * bucketMs;
    const hi = i === last ? to : (i + 1) * bucketMs;
    arr[i]! += rate * Math.max(0, hi - lo);
  }
}
