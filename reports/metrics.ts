/**
 * Every number a report shows, as a pure function of the event log (ARCHITECTURE.md: reports
 * never re-measure anything).
 *
 *   events ──one pass (reports/metrics-feed.ts: modelled time)──▶ exhaustive handler map
 *          ──▶ MetricsAccumulator ──finishMetrics──▶ RunMetrics   (one module per event family,
 *                                                                  reports/metrics/*-handlers.ts)
 *
 * The map is typed `EventHandlers<void>`: a new event kind in lab/base/event.ts does not compile
 * until a family handles it. The node timeline model (phases, provisionings, time-to-ready,
 * retries) is described in reports/metrics/node-state.ts; the types in reports/metrics/run-metrics.ts.
 */
import type { FleetEvent } from '../lab/base/event.ts';
import type { RunMetrics } from './metrics/run-metrics.ts';
import { MetricsFeed } from './metrics-feed.ts';

export type * from './metrics/run-metrics.ts';
export { bmcStatusOk } from './metrics/bmc-handlers.ts';
export { niceBucketMs } from './metrics/rate-series.ts';
export { MetricsFeed, modelledFactor } from './metrics-feed.ts';

/** Every figure of a run, in modelled time (reports/metrics-feed.ts). */
export function computeMetrics(events: FleetEvent[]): RunMetrics {
  const feed = new MetricsFeed();
  for (const e of events) feed.push(e);
  return feed.finish();
}

/** Unfinished nodes grouped by the phase they were in when the log ended ('none' = never started). */
export function unfinishedByPhase(m: Pick<RunMetrics, 'nodes'>): [string, number][] {
  const by = new Map<string, number>();
  for (const n of m.nodes) if (n.outcome === 'unfinished') by.set(n.lastPhase ?? 'none', (by.get(n.lastPhase ?? 'none') ?? 0) + 1);
  return [...by.entries()].sort((a, b) => b[1] - a[1]);
}
