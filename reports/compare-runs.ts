/**
 * Run comparison for nightly regression detection (Chromium Pinpoint style).
 *
 *   baseline runs ──pool samples per metric──┐
 *                                             ├─▶ MWU p, KS p ─▶ p = min ─▶ verdict per metric
 *   tonight's run ──samples per metric────────┘     Δ median vs minimum effect
 *
 * Verdict, in this order:
 * - UNKNOWN   either side has fewer than `minSamples` samples;
 * - SAME      |Δ median| below the minimum effect max(minEffectPct % of the baseline median,
 *             minEffectMs, baseline noise) — a real but trivial shift never fails a build;
 *             baseline noise is the range of the per-run medians when several baselines are
 *             given: per-node samples of one run share that run's machine load, so the rank
 *             tests cannot see run-to-run variance; the spread between baseline runs can;
 * - DIFFERENT p < alpha (default 0.01);
 * - UNKNOWN   alpha <= p < `suggestiveP` (0.05): a shift worth a look, not proof;
 * - SAME      otherwise.
 * A DIFFERENT whose run median is higher is a regression (every compared metric is a duration:
 * lower is better). Runs are only comparable on the same testbed (tier, machine, scale).
 *
 * Outcomes are compared too (`nodes_ready_ratio`): Fisher exact test on ready vs not-ready
 * nodes, DIFFERENT when p < alpha; fewer ready nodes tonight is a regression. Without it a run
 * where nothing got ready would have no duration samples and could never regress.
 */
import type { NodePhase, Testbed } from '../lab/base/event.ts';
import type { RunMetrics } from './metrics.ts';
import type { Stat } from './stats/stat.ts';
import { quantileSorted } from './stats/stat.ts';
import { PHASES } from './phases.ts';
import { mannWhitneyU } from './stats/mann-whitney.ts';
import { ksTwoSample } from './stats/kolmogorov-smirnov.ts';
import { fisherExact } from './stats/fisher-exact.ts';
import { fmtMs, round } from './format.ts';
import type { JunitSuite } from './junit.ts';
import { table } from './summary.ts';
import { testedLine } from './time-basis.ts';

export type Verdict = 'SAME' | 'DIFFERENT' | 'UNKNOWN';

export interface CompareOptions {
  minEffectPct: number;
  minEffectMs: number;
  alpha: number;
  suggestiveP: number;
  minSamples: number;
}

export const DEFAULT_COMPARE: CompareOptions = { minEffectPct: 5, minEffectMs: 50, alpha: 0.01, suggestiveP: 0.05, minSamples: 5 };

export interface SampleSummary {
  count: number;
  p50: number;
  p95: number;
}

export interface MetricComparison {
  metric: string;
  baseline: SampleSummary;
  run: SampleSummary;
  /** Run median minus baseline median, ms; and as % of the baseline median. */
  deltaMs: number;
  deltaPct: number;
  /** The minimum effect that applied, ms; `noiseMs`: spread of the baseline runs' medians. */
  minEffectMs: number;
  noiseMs: number;
  pMwu: number;
  pKs: number;
  p: number;
  verdict: Verdict;
  regression: boolean;
  reason: string;
}

export interface OutcomeComparison {
  metric: 'nodes_ready_ratio';
  baseline: { total: number; ready: number; ratio: number };
  run: { total: number; ready: number; ratio: number };
  p: number;
  verdict: Verdict;
  regression: boolean;
  reason: string;
}

export function compareOutcomes(bReady: number, bTotal: number, rReady: number, rTotal: number, o: CompareOptions = DEFAULT_COMPARE): OutcomeComparison {
  const ratio = (r: number, t: number) => (t ? r / t : NaN);
  const base = { metric: 'nodes_ready_ratio' as const, baseline: { total: bTotal, ready: bReady, ratio: ratio(bReady, bTotal) }, run: { total: rTotal, ready: rReady, ratio: ratio(rReady, rTotal) } };
  if (!bTotal || !rTotal) return { ...base, p: NaN, verdict: 'UNKNOWN', regression: false, reason: `no nodes in the ${bTotal ? 'run' : 'baseline'}` };
  const p = fisherExact(bReady, bTotal - bReady, rReady, rTotal - rReady);
  const worse = base.run.ratio < base.baseline.ratio;
  const pct = (x: number) => `${round(x * 100, 1)} %`;
  const what = `${pct(base.run.ratio)} ready vs ${pct(base.baseline.ratio)} in the baseline, Fisher p=${p < 0.001 ? p.toExponential(1) : p.toFixed(3)}`;
  if (p < o.alpha) return { ...base, p, verdict: 'DIFFERENT', regression: worse, reason: what };
  if (p < o.suggestiveP) return { ...base, p, verdict: 'UNKNOWN', regression: false, reason: `${what}: not conclusive` };
  return { ...base, p, verdict: 'SAME', regression: false, reason: what };
}

export interface Comparison {
  runId: string | null;
  baselineRunIds: (string | null)[];
  options: CompareOptions;
  metrics: MetricComparison[];
  regressions: string[];
  outcomes: OutcomeComparison;
  /** Baseline pooled time-to-ready samples (for the CDF overlay). */
  baselineTimeToReady: number[];
  /** What each side tested, with its timeScale (reports/time-basis.ts): samples are modelled ms. */
  tested: { run: string; baselines: string[] };
}

/** Duration samples per comparable metric, keyed by the metric names metrics.csv uses. */
export function comparableSamples(m: RunMetrics): Map<string, number[]> {
  const out = new Map<string, number[]>();
  out.set('time_to_ready_ms', m.timeToReady.samples);
  for (const p of PHASES) {
    const s: Stat | undefined = m.phases[p];
    if (s) out.set(`phase_ms.${p}`, s.samples);
  }
  out.set('dhcp_exchange_ms', m.latency.dhcp.samples);
  out.set('tftp_transfer_ms', m.latency.tftp.samples);
  out.set('http_request_ms', m.latency.http.samples);
  out.set('image_download_ms', m.latency.image.samples);
  out.set('bmc_request_ms', m.latency.bmc.samples);
  return out;
}

function summary(sorted: number[]): SampleSummary {
  return { count: sorted.length, p50: quantileSorted(sorted, 0.5), p95: quantileSorted(sorted, 0.95) };
}

export function compareSamples(metric: string, base: number[], run: number[], o: CompareOptions = DEFAULT_COMPARE, noiseMs = 0): MetricComparison {
  const b = [...base].sort((x, y) => x - y);
  const r = [...run].sort((x, y) => x - y);
  const bs = summary(b);
  const rs = summary(r);
  const deltaMs = rs.p50 - bs.p50;
  const deltaPct = bs.p50 !== 0 ? (deltaMs / bs.p50) * 100 : deltaMs === 0 ? 0 : Infinity;
  const minEffectMs = Math.max((Math.abs(bs.p50) * o.minEffectPct) / 100, o.minEffectMs, noiseMs);
  const base0: Omit<MetricComparison, 'verdict' | 'regression' | 'reason' | 'pMwu' | 'pKs' | 'p'> = { metric, baseline: bs, run: rs, deltaMs, deltaPct, minEffectMs, noiseMs };
  if (b.length < o.minSamples || r.length < o.minSamples) {
    return { ...base0, pMwu: NaN, pKs: NaN, p: NaN, verdict: 'UNKNOWN', regression: false, reason: `too few samples (${b.length} baseline, ${r.length} run; need ${o.minSamples})` };
  }
  const pMwu = mannWhitneyU(b, r).p;
  const pKs = ksTwoSample(b, r).p;
  const p = Math.min(pMwu, pKs);
  const res = (verdict: Verdict, reason: string): MetricComparison => ({ ...base0, pMwu, pKs, p, verdict, regression: verdict === 'DIFFERENT' && deltaMs > 0, reason });
  if (Math.abs(deltaMs) < minEffectMs) return res('SAME', `median shift ${fmtMs(deltaMs)} below the minimum effect ${fmtMs(minEffectMs)}${noiseMs >= minEffectMs && noiseMs > 0 ? ' (the baseline runs differ by that much among themselves)' : ''}`);
  if (p < o.alpha) return res('DIFFERENT', `${deltaMs > 0 ? 'slower' : 'faster'} by ${fmtMs(Math.abs(deltaMs))} (${round(deltaPct, 1)} %), p=${p.toExponential(2)}`);
  if (p < o.suggestiveP) return res('UNKNOWN', `shift of ${fmtMs(deltaMs)} with p=${p.toFixed(3)}: not conclusive, add runs`);
  return res('SAME', `p=${p.toFixed(3)}`);
}

/** A metric whose samples overlap saturated host intervals more than this (either side) is not judged. */
export const SATURATED_SHARE = 0.1;

/** Share of a metric's samples measured while the host was saturated (reports/metrics/host-handlers.ts). */
export function saturatedShare(m: RunMetrics, metric: string): number {
  const h = m.host;
  if (!h || h.samples === 0) return 0;
  if (metric === 'time_to_ready_ms') return h.saturatedProvisioningShare;
  if (metric.startsWith('phase_ms.')) return h.saturatedPhaseShare[metric.slice('phase_ms.'.length) as NodePhase] ?? 0;
  return m.durationMs > 0 ? Math.min(1, h.saturatedMs / m.durationMs) : 0;
}

/**
 * A difference measured while the host was saturated says more about the host than about the
 * server under test: DIFFERENT becomes UNKNOWN ("host saturated"), never a regression.
 */
function unlessSaturated(c: MetricComparison, baselines: RunMetrics[], run: RunMetrics): MetricComparison {
  if (c.verdict !== 'DIFFERENT') return c;
  const runShare = saturatedShare(run, c.metric);
  const baseShare = Math.max(0, ...baselines.map((b) => saturatedShare(b, c.metric)));
  if (runShare <= SATURATED_SHARE && baseShare <= SATURATED_SHARE) return c;
  const which = runShare >= baseShare ? `the run (${Math.round(runShare * 100)} % of its samples)` : `a baseline (${Math.round(baseShare * 100)} % of its samples)`;
  return { ...c, verdict: 'UNKNOWN', regression: false, reason: `host saturated during ${which}; ${c.reason}` };
}

export function compareRuns(baselines: RunMetrics[], run: RunMetrics, o: CompareOptions = DEFAULT_COMPARE): Comparison {
  const pooled = new Map<string, number[]>();
  const medians = new Map<string, number[]>();
  for (const b of baselines) {
    for (const [k, v] of comparableSamples(b)) {
      const a = pooled.get(k) ?? [];
      for (const x of v) a.push(x);
      pooled.set(k, a);
      if (v.length) {
        const med = medians.get(k) ?? [];
        med.push(quantileSorted([...v].sort((x, y) => x - y), 0.5));
        medians.set(k, med);
      }
    }
  }
  const runSamples = comparableSamples(run);
  const metrics: MetricComparison[] = [];
  const keys = [...new Set([...pooled.keys(), ...runSamples.keys()])];
  for (const k of keys) {
    const b = pooled.get(k) ?? [];
    const r = runSamples.get(k) ?? [];
    if (b.length === 0 && r.length === 0) continue;
    const med = medians.get(k) ?? [];
    const noise = med.length >= 2 ? Math.max(...med) - Math.min(...med) : 0;
    metrics.push(unlessSaturated(compareSamples(k, b, r, o, noise), baselines, run));
  }
  const bReady = baselines.reduce((s, b) => s + b.counts.ready, 0);
  const bTotal = baselines.reduce((s, b) => s + b.counts.total, 0);
  const outcomes = compareOutcomes(bReady, bTotal, run.counts.ready, run.counts.total, o);
  return {
    runId: run.config?.runId ?? null,
    baselineRunIds: baselines.map((b) => b.config?.runId ?? null),
    options: o,
    metrics,
    outcomes,
    regressions: [...(outcomes.regression ? [outcomes.metric] : []), ...metrics.filter((m) => m.regression).map((m) => m.metric)],
    baselineTimeToReady: pooled.get('time_to_ready_ms') ?? [],
    tested: { run: testedOf(run), baselines: baselines.map(testedOf) },
  };
}

const testedOf = (m: RunMetrics) => `${testedLine(m.config)} · timeScale ${m.config?.timeScale ?? '?'}`;

const tb = (t: Testbed | undefined) => (t ? `tier=${t.tier} machine=${t.machine} scale=${t.scale}` : 'unknown (no run.start)');

/** A message naming every run whose testbed differs from tonight's, or null when all match. */
export function testbedMismatch(baselines: { dir: string; metrics: RunMetrics }[], run: { dir: string; metrics: RunMetrics }): string | null {
  const want = run.metrics.config?.testbed;
  const bad: string[] = [];
  for (const b of baselines) {
    const got = b.metrics.config?.testbed;
    if (!want || !got || got.tier !== want.tier || got.machine !== want.machine || got.scale !== want.scale) bad.push(`  baseline ${b.dir}: ${tb(got)}`);
  }
  if (!bad.length) return null;
  return `runs from different testbeds are not comparable (use --force to compare anyway):\n  run ${run.dir}: ${tb(want)}\n${bad.join('\n')}`;
}

export function compareText(c: Comparison): string {
  const fmtP = (p: number) => (Number.isNaN(p) ? '-' : p < 0.001 ? p.toExponential(1) : p.toFixed(3));
  const rows = [['metric', 'verdict', 'base p50', 'run p50', 'Δ', 'Δ%', 'p', 'n base', 'n run']];
  for (const m of c.metrics) {
    rows.push([m.metric, m.verdict + (m.regression ? ' ▲' : ''), fmtMs(m.baseline.p50), fmtMs(m.run.p50), fmtMs(m.deltaMs), Number.isFinite(m.deltaPct) ? `${round(m.deltaPct, 1)}%` : '-', fmtP(m.p), String(m.baseline.count), String(m.run.count)]);
  }
  const counts = { SAME: 0, DIFFERENT: 0, UNKNOWN: 0 };
  for (const m of c.metrics) counts[m.verdict]++;
  counts[c.outcomes.verdict]++;
  const o = c.options;
  const oc = c.outcomes;
  return [
    `fleetlab compare: run ${c.runId ?? '?'} vs ${c.baselineRunIds.length} baseline run(s) (MWU+KS, alpha ${o.alpha}, min effect ${o.minEffectPct}% / ${o.minEffectMs} ms)`,
    `  run:      ${c.tested.run}`,
    ...[...new Set(c.tested.baselines)].map((b) => `  baseline: ${b}`),
    `  times are modelled ms (= wall at timeScale 1)`,
    `  nodes_ready_ratio: ${oc.verdict}${oc.regression ? ' ▲' : ''} — ${oc.run.ready}/${oc.run.total} vs ${oc.baseline.ready}/${oc.baseline.total}; ${oc.reason}`,
    table(rows, '  '),
    `  ${counts.SAME} SAME, ${counts.DIFFERENT} DIFFERENT, ${counts.UNKNOWN} UNKNOWN; ${c.regressions.length ? `REGRESSION in ${c.regressions.join(', ')}` : 'no regression'}`,
    '',
  ].join('\n');
}

export function compareSuite(c: Comparison): JunitSuite {
  return {
    name: 'compare',
    timeS: 0,
    properties: { run: c.runId ?? '', baselines: c.baselineRunIds.join(','), alpha: String(c.options.alpha), minEffectPct: String(c.options.minEffectPct), minEffectMs: String(c.options.minEffectMs) },
    cases: [
      { classname: 'compare.outcomes', name: c.outcomes.metric, ...(c.outcomes.regression ? { failure: { type: 'regression', message: `${c.outcomes.metric}: ${c.outcomes.reason}` } } : {}) },
      ...c.metrics.map((m) => ({
        classname: 'compare.metrics',
        name: m.metric,
        ...(m.regression ? { failure: { type: 'regression', message: `${m.metric}: ${m.verdict}, ${m.reason}` } } : {}),
      })),
    ],
  };
}
