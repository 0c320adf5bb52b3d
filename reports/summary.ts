/**
 * The end-of-run summary in two shapes: the stable `--json` object scripts and CI parse (issue 2
 * item 8: keep the shape), and the human text block printed after a run and by `fleetlab report`.
 */
import type { FleetEvent, NodePhase, RunStatus } from '../lab/base/event.ts';
import { computeMetrics, unfinishedByPhase, type RunMetrics } from './metrics.ts';
import { fmtMs, fmtValue, jsonMs } from './format.ts';
import { PHASES } from './phases.ts';

export interface JsonSummary {
  status: RunStatus;
  runDir: string;
  seed: number;
  nodes: { total: number; ready: number; failed: number };
  timeToReadyMs: { p50: number; p95: number; max: number };
  phasesMs: Record<string, { p50: number; p95: number; max: number }>;
  thresholds: { name: string; ok: boolean; value: number | null }[];
}

export function jsonSummary(events: FleetEvent[], runDir: string): JsonSummary {
  return jsonSummaryOf(computeMetrics(events), runDir);
}

export function jsonSummaryOf(m: RunMetrics, runDir: string): JsonSummary {
  const phasesMs: JsonSummary['phasesMs'] = {};
  for (const p of PHASES) {
    const s = m.phases[p];
    if (s && s.count > 0) phasesMs[p] = { p50: jsonMs(s.p50), p95: jsonMs(s.p95), max: jsonMs(s.max) };
  }
  return {
    status: m.status,
    runDir,
    seed: m.config?.seed ?? 0,
    nodes: { total: m.counts.total, ready: m.counts.ready, failed: m.counts.failed },
    timeToReadyMs: { p50: jsonMs(m.timeToReady.p50), p95: jsonMs(m.timeToReady.p95), max: jsonMs(m.timeToReady.max) },
    phasesMs,
    thresholds: m.thresholds.map((t) => ({ name: t.name, ok: t.ok, value: t.value })),
  };
}

export function textSummary(events: FleetEvent[], runDir: string): string {
  return textSummaryOf(computeMetrics(events), runDir);
}

export function textSummaryOf(m: RunMetrics, runDir: string, opts: { truncated?: boolean } = {}): string {
  const c = m.config;
  const L: string[] = [];
  const title = c ? `${c.scenario} (seed ${c.seed}, target ${c.target}, ${c.testbed.tier})` : '(no run.start in the log)';
  L.push(`fleetlab: ${title}: ${m.status.toUpperCase()} after ${fmtMs(m.durationMs)}${m.reason ? ` (${m.reason})` : ''}`);
  if (opts.truncated || !m.ended) L.push(`  event log ends without run.end${opts.truncated ? ' and its last line was cut short' : ''}: the run was killed`);
  L.push(`  nodes: ${m.counts.total} total, ${m.counts.ready} ready, ${m.counts.failed} failed, ${m.counts.unfinished} unfinished`);
  const t = m.timeToReady;
  L.push(`  time-to-ready: p50 ${fmtMs(t.p50)}  p95 ${fmtMs(t.p95)}  max ${fmtMs(t.max)}  (${t.count} samples)`);
  const rows = PHASES.flatMap((p: NodePhase) => {
    const s = m.phases[p];
    return s ? [[p, fmtMs(s.p50), fmtMs(s.p95), fmtMs(s.max), String(s.errors || '')]] : [];
  });
  if (rows.length) {
    L.push('  phase durations:');
    L.push(table([['phase', 'p50', 'p95', 'max', 'failed'], ...rows], '    '));
  }
  if (m.thresholds.length) {
    L.push('  thresholds:');
    for (const th of m.thresholds) L.push(`    ${th.ok ? 'ok  ' : 'FAIL'} ${th.name}: ${fmtValue(th.value)} (want ${th.limit})`);
  }
  const codes = Object.entries(m.errorCodes).sort((a, b) => b[1] - a[1]);
  if (codes.length) L.push(`  errors: ${codes.map(([k, v]) => `${k} ×${v}`).join(', ')}`);
  const stuck = unfinishedByPhase(m);
  if (stuck.length) L.push(`  unfinished by phase: ${stuck.map(([p, n]) => `${p} ×${n}`).join(', ')}`);
  if (m.faults.length) L.push(`  faults: ${m.faults.length} window(s): ${[...new Set(m.faults.map((f) => f.fault))].join(', ')}`);
  L.push(`  run dir: ${runDir}`);
  return L.join('\n') + '\n';
}

/** Left-aligned first column, right-aligned others. */
export function table(rows: string[][], indent = ''): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => indent + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd()).join('\n');
}
