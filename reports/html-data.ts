/**
 * The pre-aggregated data report.html embeds: everything the charts need and nothing more, so a
 * 10,000-node run stays a few MB (no events, no raw samples except a compact per-node timeline).
 *
 *   RunMetrics ──▶ cdf (≤ 201 points) · phase percentiles per time bucket · rate series ·
 *                  per-site p50/p95 · per-node phase offsets (drill-down Gantt) · failures (capped)
 */
import type { FleetEvent } from '../lab/base/event.ts';
import type { RunMetrics } from './metrics.ts';
import type { Comparison } from './compare-runs.ts';
import { quantileSorted } from './stats/stat.ts';
import { PHASES, TIMED_PHASES } from './phases.ts';
import { formatEventLine } from './junit.ts';
import { round } from './format.ts';

export const MAX_FAILURES_LISTED = 100;
const LAST_EVENTS_LISTED = 8;
const CDF_POINTS = 200;

export interface CdfData {
  x: number[]; // ms
  y: number[]; // fraction in [0, 1]
}

export interface HtmlData {
  phases: string[];
  durationMs: number;
  faults: { fault: string; selector: string; start: number; end: number; open: boolean }[];
  /**
   * Union of the fault windows per fault kind (overlapping windows merged), for shading:
   * `intervals` are the windows that hit (leaf windows), `outer` the enclosing windows that have
   * sub-windows (a link flap's whole span around its individual outages), shaded lighter.
   */
  faultBands: { fault: string; intervals: [number, number][]; outer: [number, number][] }[];
  /** Per site (index into `sites`): fault kinds whose targets included the site or one of its nodes. */
  siteFaults: Record<number, string[]>;
  /** Rollout wave decisions, drawn as markers on the time charts. */
  waves: { t: number; wave: string; decision: string }[];
  cdf: CdfData;
  baselineCdf: CdfData | null;
  overTime: { bucketMs: number; t: number[]; series: Record<string, { p50: (number | null)[]; p95: (number | null)[]; max: (number | null)[] }> };
  rates: { t: number[]; dhcpPerSec: number[]; httpMBps: number[]; tftpMBps: number[]; imageMBps: number[]; readyPerMin: number[]; failedPerMin: number[]; inFlight: number[] };
  sites: { name: string; nodes: number; ready: number; failed: number; p50: number | null; p95: number | null; max: number | null }[];
  /**
   * Per-node timeline of the last provisioning, column-wise, in `unit` ms (a power of ten chosen
   * so the run spans ~2,000+ units: finer than a Gantt pixel, and short numbers at 10k nodes).
   * `d` is flat with stride PHASES.length: for each phase in PHASES order, its start minus the
   * previous reached phase's start (the first reached one: minus the node start), null when the
   * phase was not reached. `end` is units from start to ready/failed, -1 when unfinished.
   */
  nodes: { unit: number; name: string[]; site: number[]; outcome: string; start: number[]; end: number[]; d: (number | null)[]; ttr: (number | null)[] };
}

export function cdfOf(samples: number[]): CdfData {
  const s = Float64Array.from(samples).sort();
  const arr = Array.from(s);
  if (!arr.length) return { x: [], y: [] };
  const x: number[] = [];
  const y: number[] = [];
  const n = Math.min(CDF_POINTS, arr.length);
  for (let i = 0; i <= n; i++) {
    const q = i / n;
    x.push(round(quantileSorted(arr, q), 1));
    y.push(round(q, 4));
  }
  return { x, y };
}

const r1 = (x: number) => (Number.isFinite(x) ? round(x, 1) : null);

export function htmlData(m: RunMetrics, comparison?: Comparison): HtmlData {
  const rates = m.rates;
  const bucketMs = rates.bucketMs;
  const nb = rates.t.length;
  // Phase duration percentiles by the bucket in which the phase instance started; time-to-ready by ready time.
  const byBucket = new Map<string, number[][]>();
  const push = (key: string, t: number, v: number) => {
    let a = byBucket.get(key);
    if (!a) byBucket.set(key, (a = Array.from({ length: nb }, () => [])));
    a[Math.min(nb - 1, Math.max(0, Math.floor(t / bucketMs)))]!.push(v);
  };
  for (const sp of m.spans) if (sp.end === 'next' || sp.end === 'ready') push(sp.phase, sp.start, sp.ms);
  for (const n of m.nodes) if (n.timeToReadyMs !== null && n.end !== null) push('time-to-ready', n.end, n.timeToReadyMs);
  const series: HtmlData['overTime']['series'] = {};
  for (const key of ['time-to-ready', ...TIMED_PHASES]) {
    const a = byBucket.get(key);
    if (!a) continue;
    const s = { p50: [] as (number | null)[], p95: [] as (number | null)[], max: [] as (number | null)[] };
    for (const vals of a) {
      vals.sort((x, y) => x - y);
      s.p50.push(vals.length ? r1(quantileSorted(vals, 0.5)) : null);
      s.p95.push(vals.length ? r1(quantileSorted(vals, 0.95)) : null);
      s.max.push(vals.length ? r1(vals[vals.length - 1]!) : null);
    }
    series[key] = s;
  }
  const siteIndex = new Map<string, number>();
  m.sites.forEach((s, i) => siteIndex.set(s.site, i));
  const unit = Math.max(1, 10 ** Math.floor(Math.log10(Math.max(1, m.durationMs) / 2000)));
  const u = (ms: number) => Math.round(ms / unit);
  const nodes: HtmlData['nodes'] = { unit, name: [], site: [], outcome: '', start: [], end: [], d: [], ttr: [] };
  for (const n of m.nodes) {
    const start = n.start ?? n.phases[PHASES.find((p) => n.phases[p] !== undefined) ?? 'power-on'] ?? null;
    nodes.name.push(n.name);
    nodes.site.push(siteIndex.get(n.site) ?? -1);
    nodes.outcome += n.outcome === 'ready' ? 'r' : n.outcome === 'failed' ? 'f' : 'u';
    nodes.start.push(start === null ? -1 : u(start));
    nodes.end.push(start === null || n.end === null || n.outcome === 'unfinished' ? -1 : u(n.end) - u(start));
    let prev = start === null ? 0 : u(start);
    for (const p of PHASES) {
      const at = n.phases[p];
      if (start === null || at === undefined) nodes.d.push(null);
      else {
        nodes.d.push(u(at) - prev);
        prev = u(at);
      }
    }
    nodes.ttr.push(n.timeToReadyMs === null ? null : Math.round(n.timeToReadyMs));
  }
  const rr = (a: number[]) => a.map((v) => round(v, 3));
  return {
    phases: [...PHASES],
    durationMs: Math.round(m.durationMs),
    faults: m.faults.map((f) => ({ fault: f.fault, selector: f.selector, start: f.start, end: f.end, open: f.open })),
    faultBands: faultBands(m.faults),
    siteFaults: siteFaults(m, siteIndex),
    waves: m.waves.map((w) => ({ t: w.t, wave: w.wave, decision: w.decision })),
    cdf: cdfOf(m.timeToReady.samples),
    baselineCdf: comparison ? cdfOf(comparison.baselineTimeToReady) : null,
    overTime: { bucketMs, t: rates.t, series },
    rates: { t: rates.t, dhcpPerSec: rr(rates.dhcpPerSec), httpMBps: rr(rates.httpMBps), tftpMBps: rr(rates.tftpMBps), imageMBps: rr(rates.imageMBps), readyPerMin: rr(rates.readyPerMin), failedPerMin: rr(rates.failedPerMin), inFlight: rates.inFlight },
    sites: m.sites.map((s) => ({ name: s.site, nodes: s.nodes, ready: s.ready, failed: s.failed, p50: r1(s.timeToReady.p50), p95: r1(s.timeToReady.p95), max: r1(s.timeToReady.max) })),
    nodes,
  };
}

function mergeIntervals(iv: [number, number][]): [number, number][] {
  iv.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [s, e] of iv) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out.map(([s, e]) => [round(s, 1), round(e, 1)]);
}

/** Merge each fault kind's windows into disjoint intervals (so 17 overlapping flaps shade once). */
export function faultBands(faults: { id: string; fault: string; start: number; end: number; parent?: string }[]): HtmlData['faultBands'] {
  const parents = new Set(faults.flatMap((f) => (f.parent ? [f.parent] : [])));
  const byKind = new Map<string, { leaf: [number, number][]; outer: [number, number][] }>();
  for (const f of faults) {
    let a = byKind.get(f.fault);
    if (!a) byKind.set(f.fault, (a = { leaf: [], outer: [] }));
    (parents.has(f.id) ? a.outer : a.leaf).push([f.start, Math.max(f.end, f.start)]);
  }
  return [...byKind.entries()].map(([fault, a]) => ({ fault, intervals: mergeIntervals(a.leaf), outer: mergeIntervals(a.outer) }));
}

function siteFaults(m: RunMetrics, siteIndex: Map<string, number>): Record<number, string[]> {
  const nodeSite = new Map(m.nodes.map((n) => [n.name, n.site]));
  const out: Record<number, Set<string>> = {};
  for (const f of m.faults) {
    for (const target of f.targets ?? []) {
      const i = siteIndex.get(target) ?? siteIndex.get(nodeSite.get(target) ?? '');
      if (i !== undefined) (out[i] ??= new Set()).add(f.fault);
    }
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v]]));
}

export interface FailureRow {
  node: string;
  site: string;
  phase: string;
  code: string;
  message: string;
  t: number;
  last: string[];
}

/** Failed (then unfinished) nodes with their last events, capped at MAX_FAILURES_LISTED. */
export function failureRows(m: RunMetrics): { rows: FailureRow[]; total: number } {
  const bad = m.nodes.filter((n) => n.outcome === 'failed');
  const rows = bad.slice(0, MAX_FAILURES_LISTED).map((n) => ({
    node: n.name,
    site: n.site,
    phase: n.error?.phase ?? n.lastPhase ?? '-',
    code: n.error?.code ?? '-',
    message: n.error?.message ?? '',
    t: n.error?.t ?? n.end ?? 0,
    last: (m.lastEvents[n.name] ?? ([] as FleetEvent[])).slice(-LAST_EVENTS_LISTED).map(formatEventLine),
  }));
  return { rows, total: bad.length };
}
