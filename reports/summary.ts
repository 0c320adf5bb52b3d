/**
 * The end-of-run summary in two shapes: the stable `--json` object scripts and CI parse (issue 2
 * item 8: keep the shape), and the human text block printed after a run and by `fleetlab report`.
 */
import type { FleetEvent, NodePhase, RunStatus } from '../lab/base/event.ts';
import { computeMetrics, unfinishedByPhase, type RunMetrics } from './metrics.ts';
import { fmtMs, fmtValue, jsonMs } from './format.ts';
import { PHASES } from './phases.ts';
import { compressedScale, fmtModelled, PHASE_TIME_KIND, testedLine, timeScaleNote, wallMs } from './time-basis.ts';

export interface JsonSummary {
  status: RunStatus;
  runDir: string;
  seed: number;
  nodes: { total: number; ready: number; failed: number; unfinished: number };
  timeToReadyMs: { p50: number; p95: number; max: number };
  phasesMs: Record<string, { p50: number; p95: number; max: number }>;
  thresholds: { name: string; ok: boolean; value: number | null }[];
  /** The lab's timeScale (null: not recorded); every *Ms figure above is modelled ms (= wall at 1). */
  timeScale: number | null;
  /** The wall-clock figures, only when the run was compressed (timeScale ≠ 0, 1). */
  wallMs?: { duration: number; timeToReady: { p50: number; p95: number; max: number }; phases: Record<string, { p50: number; p95: number; max: number }> };
  /** Host load while the run measured: saturated wall ms, worst event-loop lag, UDP datagrams the kernel dropped (null: unknown). */
  host: { saturatedMs: number; maxLoopLagMs: number; udpDrops: number | null; ownSocketDrops: number | null };
}

/** Datagrams the kernel dropped during the run (receive-buffer overflows host-wide), null if not recorded. */
export function udpDrops(m: RunMetrics): number | null {
  return m.host.udp?.rcvbufErrors ?? null;
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
    nodes: { total: m.counts.total, ready: m.counts.ready, failed: m.counts.failed, unfinished: m.counts.unfinished },
    timeToReadyMs: { p50: jsonMs(m.timeToReady.p50), p95: jsonMs(m.timeToReady.p95), max: jsonMs(m.timeToReady.max) },
    phasesMs,
    thresholds: m.thresholds.map((t) => ({ name: t.name, ok: t.ok, value: t.value })),
    timeScale: m.config?.timeScale ?? null,
    ...wallFigures(m, phasesMs),
    host: { saturatedMs: jsonMs(wallMs(m, m.host.saturatedMs)), maxLoopLagMs: jsonMs(m.host.maxLoopLagMs), udpDrops: udpDrops(m), ownSocketDrops: m.host.udp?.ownSocketDrops ?? null },
  };
}

/** `wallMs` of the --json summary: the modelled figures × timeScale, when they differ. */
function wallFigures(m: RunMetrics, phasesMs: JsonSummary['phasesMs']): Pick<JsonSummary, 'wallMs'> {
  const s = compressedScale(m);
  if (s === null) return {};
  const w = (x: { p50: number; p95: number; max: number }) => ({ p50: jsonMs(x.p50 * s), p95: jsonMs(x.p95 * s), max: jsonMs(x.max * s) });
  const t = m.timeToReady;
  return { wallMs: { duration: jsonMs(m.durationMs * s), timeToReady: w({ p50: t.p50, p95: t.p95, max: t.max }), phases: Object.fromEntries(Object.entries(phasesMs).map(([k, v]) => [k, w(v)])) } };
}

export function textSummary(events: FleetEvent[], runDir: string): string {
  return textSummaryOf(computeMetrics(events), runDir);
}

export function textSummaryOf(m: RunMetrics, runDir: string, opts: { truncated?: boolean } = {}): string {
  const c = m.config;
  const L: string[] = [];
  const title = c ? `${c.scenario} (seed ${c.seed}, target ${c.target}, ${c.testbed.tier}, timeScale ${c.timeScale ?? '?'})` : '(no run.start in the log)';
  L.push(`fleetlab: ${title}: ${m.status.toUpperCase()} after ${fmtModelled(m, m.durationMs)}${m.reason ? ` (${m.reason})` : ''}`);
  L.push(`  time: ${timeScaleNote(m)}`);
  if (c) L.push(`  tested: ${testedLine(c)}`);
  if (opts.truncated || !m.ended) L.push(`  event log ends without run.end${opts.truncated ? ' and its last line was cut short' : ''}: the run was killed`);
  L.push(`  nodes: ${m.counts.total} total, ${m.counts.ready} ready, ${m.counts.failed} failed, ${m.counts.unfinished} unfinished`);
  const t = m.timeToReady;
  L.push(`  time-to-ready: p50 ${fmtModelled(m, t.p50)}  p95 ${fmtModelled(m, t.p95)}  max ${fmtModelled(m, t.max)}  (${t.count} samples)`);
  const scale = compressedScale(m);
  const rows = PHASES.flatMap((p: NodePhase) => {
    const s = m.phases[p];
    if (!s || p === 'ready') return [];
    return [[p, fmtMs(s.p50), fmtMs(s.p95), fmtMs(s.max), ...(scale !== null ? [fmtMs(s.p50 * scale)] : []), PHASE_TIME_KIND[p], String(s.errors || '')]];
  });
  if (rows.length) {
    L.push(`  phase durations (${scale !== null ? 'modelled' : 'ms'}):`);
    L.push(table([['phase', 'p50', 'p95', 'max', ...(scale !== null ? ['wall p50'] : []), 'time', 'failed'], ...rows], '    '));
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
  L.push(...hostLines(m));
  L.push(`  run dir: ${runDir}`);
  return L.join('\n') + '\n';
}

/** Host saturation and kernel UDP drops: said out loud, so a harness overload never passes for a server bug. */
function hostLines(m: RunMetrics): string[] {
  const out: string[] = [];
  const h = m.host;
  if (h.saturatedMs > 0) {
    const phases = Object.entries(h.saturatedPhaseShare).map(([p, f]) => `${p} ${Math.round(f * 100)} %`);
    out.push(`  host saturated for ${fmtModelled(m, h.saturatedMs)} (${h.windows.length} window(s), worst event-loop lag ${fmtMs(h.maxLoopLagMs)}): timings overlapping it are flagged${phases.length ? ` — ${phases.join(', ')} of spans` : ''}`);
  }
  const drops = udpDrops(m);
  if (drops) out.push(`  host dropped ${drops} UDP datagram(s) (receive buffers full; ${h.udp?.ownSocketDrops ?? '?'} on fleetlab's own sockets): retries in this run may be the host's, not the server's`);
  return out;
}

/** Left-aligned first column, right-aligned others. */
export function table(rows: string[][], indent = ''): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => indent + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd()).join('\n');
}
