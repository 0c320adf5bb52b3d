/**
 * The one pass over a run's events, fed one event at a time: `computeMetrics` (a whole log) and the
 * runner's live threshold evaluation (harness/run/threshold-watch.ts) share it, so a threshold
 * checked during the run sees exactly the numbers the reports print afterwards.
 *
 *   event (wall `t`, `ms`) ─▶ modelled = wall / timeScale ─▶ exhaustive handler map ─▶ accumulator
 *                                                                       └─ finish() / snapshot() ─▶ RunMetrics
 *
 * Modelled time: the log records wall ms (what the clock measured); the lab's timeScale (run.start)
 * turns them into the time the run models, so a 32 s power-on at timeScale 0.01 reads 32 s, not
 * 320 ms. timeScale 0 (nothing modelled) and logs without a timeScale keep wall ms. Host-load
 * figures (loop lag) are not scaled: they measure the harness itself.
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

/** Wall ms → modelled ms for a lab's timeScale: 1 / timeScale, or 1 when nothing is modelled. */
export function modelledFactor(timeScale: number | null | undefined): number {
  return typeof timeScale === 'number' && timeScale > 0 ? 1 / timeScale : 1;
}

/** The event with its run time and durations in modelled ms (a copy; the caller's event is untouched). */
export function modelledEvent(e: FleetEvent, factor: number): FleetEvent {
  if (factor === 1) return e;
  const out = { ...e, t: e.t * factor } as FleetEvent & { ms?: number; intervalMs?: number; lateMs?: number };
  if (typeof out.ms === 'number') out.ms *= factor;
  if (typeof out.lateMs === 'number') out.lateMs *= factor;
  if (e.kind === 'host.sample') out.intervalMs = e.intervalMs * factor;
  return out;
}

export class MetricsFeed {
  private acc = newAccumulator();
  private handlers = metricsHandlers(this.acc);
  private factor = 1;
  private finished = false;

  push(raw: FleetEvent): void {
    if (raw.kind === 'run.start') this.factor = modelledFactor(raw.timeScale);
    const e = modelledEvent(raw, this.factor);
    const acc = this.acc;
    if (e.t > acc.lastT) acc.lastT = e.t;
    const fn = (this.handlers as Record<string, ((ev: FleetEvent) => void) | undefined>)[e.kind];
    fn?.(e); // unknown kinds (a newer writer) are skipped, not fatal
  }

  /** The metrics of everything pushed; the feed is spent afterwards (finishing closes open spans). */
  finish(): RunMetrics {
    if (this.finished) throw new Error('MetricsFeed.finish called twice');
    this.finished = true;
    return finishMetrics(this.acc);
  }

  /** The metrics so far, as if the log ended now; the feed goes on (costs a copy of its state). */
  snapshot(): RunMetrics {
    return finishMetrics(structuredClone(this.acc));
  }
}
