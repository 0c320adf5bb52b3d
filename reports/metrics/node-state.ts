/**
 * Per-node provisioning state: the timeline model behind every node, phase and time-to-ready
 * figure.
 *
 * `node.phase` marks the START of a phase; a phase lasts until the node's next `node.phase`,
 * `node.ready` or `node.failed` (that end is the span's `end`). A provisioning is the stretch from
 * the first phase after the node's previous end to its next ready/failed; a node may be
 * provisioned several times (rollouts) and each provisioning adds samples. Time-to-ready runs
 * from the provisioning's first 'power-on' (its first phase when no power-on was logged) to
 * `node.ready`. Re-entering a phase already seen in the provisioning (or `attempt > 1`) is a retry.
 * The per-node record (run.json) describes the node's LAST provisioning.
 *
 *   closed ──node.phase──▶ open (spans close on each next phase) ──node.ready/failed──▶ closed
 */
import type { FleetEvent, NodePhase } from '../../lab/base/event.ts';
import type { PhaseSpan } from './run-metrics.ts';
import type { MetricsAccumulator, NodeState } from './metrics-accumulator.ts';

/** Events kept per node for the failures table. */
const LAST_EVENTS_KEPT = 10;

/** The node's state, created (closed, site/profile unknown) on its first mention. */
export function nodeState(acc: MetricsAccumulator, name: string): NodeState {
  let s = acc.nodes.get(name);
  if (!s) {
    s = {
      m: { name, site: 'unknown', profile: 'unknown', outcome: 'unfinished', phases: {}, phaseMs: {}, start: null, end: null, timeToReadyMs: null, retries: 0, provisionings: 0, lastPhase: null },
      index: acc.nodes.size,
      closed: true,
      seen: new Set(),
      powerOn: null,
      firstPhase: null,
      current: null,
      lateSinceStart: 0,
      done: new Map(),
      recent: [],
    };
    acc.nodes.set(name, s);
  }
  return s;
}

/** Keeps `e` among the node's last events. */
export function remember(acc: MetricsAccumulator, name: string, e: FleetEvent): void {
  const s = nodeState(acc, name);
  s.recent.push(e);
  if (s.recent.length > LAST_EVENTS_KEPT) s.recent.shift();
}

/** The site a protocol event names, when node.info has not said it. */
export function setSite(acc: MetricsAccumulator, name: string, site: string): void {
  const s = nodeState(acc, name);
  if (s.m.site === 'unknown') s.m.site = site;
}

/** Opens a new provisioning at `t`: the per-node record starts over. */
export function openProvisioning(acc: MetricsAccumulator, s: NodeState, t: number): void {
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
  s.firstPhase = t;
  s.lateSinceStart = 0;
  s.m.start = t;
  acc.points.flight.push({ t, d: 1 });
}

/**
 * Ends the node's current phase at `t` as a span; a failed end counts against the phase. `lateMs`
 * (the closing event's) is how late the host ran the node's modelled waits in it: not modelled
 * time, so not in the phase's duration.
 */
export function closeSpan(acc: MetricsAccumulator, s: NodeState, t: number, end: PhaseSpan['end'], lateMs = 0): void {
  if (!s.current) return;
  const { phase } = s.current;
  const start = s.current.t;
  const late = Math.min(Math.max(0, lateMs), t - start);
  const ms = t - start - late;
  s.lateSinceStart += late;
  s.current = null;
  if (phase === 'ready') return; // terminal marker, no duration
  acc.spans.push({ node: s.index, phase, start, ms, end });
  s.m.phaseMs[phase] = (s.m.phaseMs[phase] ?? 0) + ms;
  if (end === 'failed') acc.phaseErrors.set(phase, (acc.phaseErrors.get(phase) ?? 0) + 1);
  else s.done.set(phase, (s.done.get(phase) ?? 0) + ms);
}

/** Moves the provisioning's completed phase times into the fleet's phase samples. */
export function flushPhases(acc: MetricsAccumulator, s: NodeState): void {
  for (const [p, ms] of s.done) {
    let a = acc.phaseSamples.get(p);
    if (!a) acc.phaseSamples.set(p, (a = []));
    a.push(ms);
  }
  s.done.clear();
}

/** Closes the open provisioning at `t` (ready or failed). */
export function closeProvisioning(acc: MetricsAccumulator, s: NodeState, t: number): void {
  flushPhases(acc, s);
  s.closed = true;
  s.m.end = t;
  acc.retriesPerProvisioning.push(s.m.retries);
  acc.points.flight.push({ t, d: -1 });
}

/** The phase the node enters at `t`: a retry when already seen in this provisioning. */
export function enterPhase(s: NodeState, phase: NodePhase, t: number, attempt: number): void {
  if (s.seen.has(phase) || attempt > 1) s.m.retries++;
  s.seen.add(phase);
  if (s.m.phases[phase] === undefined) s.m.phases[phase] = t;
  if (phase === 'power-on' && s.powerOn === null) {
    s.powerOn = t;
    s.lateSinceStart = 0;
    s.m.start = t;
  }
  s.current = { phase, t };
  s.m.lastPhase = phase;
}
