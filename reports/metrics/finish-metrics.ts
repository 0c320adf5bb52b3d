/**
 * The end of the one pass: once every event is in the accumulator, close what the log left open
 * (phases and provisionings of a run cut short, fault windows without a stop) and turn samples
 * into `Stat`s, per-site figures and rate buckets.
 *
 *   MetricsAccumulator ─▶ close open spans/faults at durationMs ─▶ counts, sites, phases ─▶ RunMetrics
 */
import type { FleetEvent, NodePhase } from '../../lab/base/event.ts';
import { computeStat, type Stat } from '../stats/stat.ts';
import { TIMED_PHASES } from '../phases.ts';
import type { NodeMetrics, RunMetrics, SiteMetrics } from './run-metrics.ts';
import type { MetricsAccumulator, Samples } from './metrics-accumulator.ts';
import { flushPhases } from './node-state.ts';
import { buildRates } from './rate-series.ts';
import { hostMetrics } from './host-accumulator.ts';

export function finishMetrics(acc: MetricsAccumulator): RunMetrics {
  const durationMs = Math.max(acc.endT ?? 0, acc.lastT);
  closeAtLogEnd(acc, durationMs);
  const nodeList = [...acc.nodes.values()].map((s) => s.m);
  const counts = { total: nodeList.length, ready: 0, failed: 0, unfinished: 0 };
  for (const n of nodeList) counts[n.outcome]++;
  const stat = (s: Samples) => computeStat(s.ms, s.errors);
  const { latency } = acc;
  return {
    config: acc.config,
    targetVersion: acc.targetVersion,
    status: acc.status ?? 'interrupted',
    ...(acc.reason !== undefined ? { reason: acc.reason } : {}),
    ended: acc.status !== null,
    durationMs,
    nodes: nodeList,
    counts,
    timeToReady: computeStat(acc.ttrSamples, counts.failed),
    phases: phaseStats(acc),
    spans: acc.spans,
    sites: siteMetrics(nodeList, acc.ttrByNode),
    rates: buildRates(durationMs, acc.points),
    latency: {
      dhcp: stat(latency.dhcp),
      tftp: stat(latency.tftp),
      http: stat(latency.http),
      image: stat(latency.image),
      bmc: stat(latency.bmc),
      bmcByProto: Object.fromEntries([...acc.bmcByProto].map(([p, s]) => [p, stat(s)])),
    },
    retries: computeStat(acc.retriesPerProvisioning),
    dhcpRetransmits: acc.dhcpRetransmits,
    errorCodes: acc.errorCodes,
    nodeErrorCodes: acc.nodeErrorCodes,
    logErrorCodes: acc.logErrorCodes,
    thresholds: acc.thresholds,
    faults: acc.faults,
    steps: acc.steps,
    waves: acc.waves,
    lastEvents: lastEvents(acc),
    host: hostMetrics(acc.host, acc.spans, nodeList),
  };
}

/** Phases still running and fault windows still open end with the log. */
function closeAtLogEnd(acc: MetricsAccumulator, durationMs: number): void {
  for (const s of acc.nodes.values()) {
    if (!s.closed && s.current) {
      const { phase, t } = s.current;
      if (phase !== 'ready') acc.spans.push({ node: s.index, phase, start: t, ms: durationMs - t, end: 'open' });
    }
    if (!s.closed) flushPhases(acc, s); // completed phases of a cut-short provisioning still count
  }
  for (const w of acc.openFaults.values()) w.end = durationMs;
}

/** Per-site counts; time-to-ready uses every provisioning that reached ready, like the fleet figure. */
function siteMetrics(nodeList: NodeMetrics[], ttrByNode: { node: number; ms: number }[]): SiteMetrics[] {
  const siteAgg = new Map<string, { nodes: number; ready: number; failed: number; ttr: number[] }>();
  for (const n of nodeList) {
    let a = siteAgg.get(n.site);
    if (!a) siteAgg.set(n.site, (a = { nodes: 0, ready: 0, failed: 0, ttr: [] }));
    a.nodes++;
    if (n.outcome === 'ready') a.ready++;
    if (n.outcome === 'failed') a.failed++;
  }
  for (const r of ttrByNode) siteAgg.get(nodeList[r.node]!.site)!.ttr.push(r.ms);
  return [...siteAgg.entries()]
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([site, a]) => ({ site, nodes: a.nodes, ready: a.ready, failed: a.failed, timeToReady: computeStat(a.ttr) }));
}

/** A Stat for each timed phase that has samples or errors, in phase order. */
function phaseStats(acc: MetricsAccumulator): Partial<Record<NodePhase, Stat>> {
  const phases: Partial<Record<NodePhase, Stat>> = {};
  for (const p of TIMED_PHASES) {
    const ms = acc.phaseSamples.get(p) ?? [];
    const errors = acc.phaseErrors.get(p) ?? 0;
    if (ms.length || errors) phases[p] = computeStat(ms, errors);
  }
  return phases;
}

/** The last events of every node that did not end ready. */
function lastEvents(acc: MetricsAccumulator): Record<string, FleetEvent[]> {
  const out: Record<string, FleetEvent[]> = {};
  for (const s of acc.nodes.values()) if (s.m.outcome !== 'ready' && s.recent.length) out[s.m.name] = s.recent;
  return out;
}
