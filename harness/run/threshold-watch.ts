/**
 * Declared thresholds during and at the end of a run: the run's events feed the reports' own
 * metrics pass (reports/metrics-feed.ts) live, so a threshold is judged on exactly the numbers the
 * reports print (modelled time).
 *
 *   events ─▶ MetricsFeed ─┬─ every evalEveryMs: snapshot ─▶ abortOnFail thresholds past their delay ─▶ abort the run
 *                          └─ finish() (after teardown, before run.end) ─▶ one expect.result per threshold
 *
 * A run without thresholds keeps no feed. During the run a metric without samples yet is not a
 * failure; at the end it is (a threshold never passes on nothing).
 *
 * A live check copies the feed's state: at 10,000 nodes that is ~1.4 s of CPU (bench/nightly-overhead.ts),
 * so checks are spaced to cost at most MAX_CHECK_SHARE of the run: every evalEveryMs on a small lab,
 * every 20 × the last check's duration on a large one (abortOnFail then reacts within ~30 s there).
 */
import type { FleetEvent } from '../../lab/base/event.ts';
import type { ResolvedLab } from '../../lab/config/lab-spec.ts';
import type { EventLog } from '../events/event-log.ts';
import { MetricsFeed, type RunMetrics } from '../../reports/metrics.ts';
import { fmtValue } from '../../reports/format.ts';
import { holds, type Threshold } from './threshold-spec.ts';
import { metricValue, type SiteAttrs } from './threshold-metrics.ts';
import type { SiteLinkPlan } from './site-link-plan.ts';
import { linkLabel } from '../rollout/site-labels.ts';

/** What `site[KEY=VALUE]` matches per site: name, tier, link (the label rollouts select on), labels. */
export function siteAttrs(lab: ResolvedLab, links: SiteLinkPlan): SiteAttrs {
  return new Map(lab.sites.map((s) => [s.name, { ...s.labels, name: s.name, tier: s.tier, link: linkLabel(links.profiles.get(s.name)) }]));
}

export interface ThresholdVerdict {
  threshold: Threshold;
  value: number | null;
  ok: boolean;
}

export function evaluateThresholds(m: RunMetrics, list: Threshold[], sites: SiteAttrs): ThresholdVerdict[] {
  return list.map((t) => {
    const value = metricValue(m, t.ref, sites);
    return { threshold: t, value, ok: holds(t, value) };
  });
}

/** Most of the run's time live threshold checks may take (the rest is the lab's). */
export const MAX_CHECK_SHARE = 0.05;

export class ThresholdWatch {
  private readonly feed: MetricsFeed | null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private aborted: string | null = null;

  constructor(
    private readonly list: Threshold[],
    private readonly sites: SiteAttrs,
    private readonly onAbort: (reason: string) => void,
    /** Modelled run time now (delayAbortEval counts in it). */
    private readonly now: () => number,
    private readonly evalEveryMs = 2000,
  ) {
    this.feed = list.length ? new MetricsFeed() : null;
  }

  onEvent(e: FleetEvent): void {
    this.feed?.push(e);
  }

  start(): void {
    if (!this.feed || !this.list.some((t) => t.abortOnFail)) return;
    this.schedule(this.evalEveryMs);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const t0 = performance.now();
      this.check();
      this.schedule(Math.max(this.evalEveryMs, (performance.now() - t0) / MAX_CHECK_SHARE));
    }, ms);
    this.timer.unref();
  }

  /** Why abortOnFail stopped the run (null: it did not). */
  abortReason(): string | null {
    return this.aborted;
  }

  /** One live evaluation of the abortOnFail thresholds whose delay has passed. */
  check(): void {
    if (!this.feed || this.aborted) return;
    const m = this.feed.snapshot();
    const now = this.now();
    const due = this.list.filter((t) => t.abortOnFail && now >= t.delayMs);
    for (const v of evaluateThresholds(m, due, this.sites)) {
      if (v.ok || v.value === null) continue;
      this.aborted = `threshold '${v.threshold.metric} ${v.threshold.text}' failed at ${fmtValue(v.value)} (abortOnFail)`;
      this.stop();
      this.onAbort(this.aborted);
      return;
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The final verdicts as expect.result events; returns how many failed. */
  finish(log: EventLog): number {
    this.stop();
    if (!this.feed) return 0;
    const verdicts = evaluateThresholds(this.feed.finish(), this.list, this.sites);
    for (const v of verdicts) {
      const value = v.value === null ? null : Math.round(v.value * 1000) / 1000;
      log.emit({ kind: 'expect.result', name: `${v.threshold.metric} ${v.threshold.text}`, ok: v.ok, value, limit: v.threshold.text });
    }
    return verdicts.filter((v) => !v.ok).length;
  }
}
