/**
 * Every number a report shows, as a pure function of the event log (ARCHITECTURE.md: reports
 * never re-measure anything).
 *
 *   events ──one pass──▶ exhaustive handler map ──▶ MetricsAccumulator ──finishMetrics──▶ RunMetrics
 *                        (one module per event family, reports/metrics/*-handlers.ts)
 *
 * The map is typed `EventHandlers<void>`: a new event kind in lab/base/event.ts does not compile
 * until a family handles it. The node timeline model (phases, provisionings, time-to-ready,
 * retries) is described in reports/metrics/node-state.ts; the types in reports/metrics/run-metrics.ts.
 */
import type { EventHandlers, FleetEvent } from '../lab/base/event.ts';
import type { RunMetrics } from './metrics/run-metrics.ts';
import { newAccumulator, type MetricsAccumulator } from './metrics/metrics-accumulator.ts';
import { runHandlers } from './metrics/run-handlers.ts';
import { scenarioHandlers } from './metrics/scenario-handlers.ts';
import { nodeHandlers } from './metrics/node-handlers.ts';
import { bootTransferHandlers } from './metrics/boot-transfer-handlers.ts';
import { installHandlers } from './metrics/install-handlers.ts';
import { bmcHandlers } from './metrics/bmc-handlers.ts';
import { faultHandlers } from './metrics/fault-handlers.ts';
import { hostHandlers } from './metrics/host-handlers.ts';
import { finishMetrics } from './metrics/finish-metrics.ts';

export type * from './metrics/run-metrics.ts';
export { bmcStatusOk } from './metrics/bmc-handlers.ts';
export { niceBucketMs } from './metrics/rate-series.ts';

/** Every event kind, each handled by exactly one family. */
function metricsHandlers(acc: MetricsAccumulator): EventHandlers<void> {
  return {
    ...runHandlers(acc),
    ...scenarioHandlers(acc),
    ...nodeHandlers(acc),
    ...bootTransferHandlers(acc),
    ...installHandlers(acc),
    ...bmcHandlers(acc),
    ...faultHandlers(acc),
    ...hostHandlers(acc),
  };
}

export function computeMetrics(events: FleetEvent[]): RunMetrics {
  const acc = newAccumulator();
  const h = metricsHandlers(acc);
  for (const e of events) {
    if (e.t > acc.lastT) acc.lastT = e.t;
    const fn = (h as Record<string, ((ev: FleetEvent) => void) | undefined>)[e.kind];
    fn?.(e); // unknown kinds (a newer writer) are skipped, not fatal
  }
  return finishMetrics(acc);
}

/** Unfinished nodes grouped by the phase they were in when the log ended ('none' = never started). */
export function unfinishedByPhase(m: Pick<RunMetrics, 'nodes'>): [string, number][] {
  const by = new Map<string, number>();
  for (const n of m.nodes) if (n.outcome === 'unfinished') by.set(n.lastPhase ?? 'none', (by.get(n.lastPhase ?? 'none') ?? 0) + 1);
  return [...by.entries()].sort((a, b) => b[1] - a[1]);
}
