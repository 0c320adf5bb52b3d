/**
 * What the times of a report mean and what measured them, said the same way in every report
 * header (summary, report.html, compare, metrics.csv): the timeScale, modelled vs wall, and the
 * fleetlab version, host and versions the run recorded.
 *
 * Every duration in RunMetrics is modelled (reports/metrics-feed.ts); wall = modelled × timeScale.
 * Which phases does modelled time describe exactly? (measured: bench-free, see
 * test/reports/modelled-time.test.ts, timeScale 0.01 vs 1):
 *   clock-modelled    power-on, boot, reboot, disk-boot   hardware timings slept on the lab clock: exact, also on a
 *                                                         busy host (late timers are the node's lateMs, subtracted)
 *   network-modelled  dhcp, tftp, ipxe-dhcp, script,      the WAN link model's delay, rate and loss are exact;
 *                     kernel, image                       per-packet processing (wall) is stretched by 1/timeScale
 *   compute-bound     agent, callback                     the target server and installer working: wall time
 *                                                         that 1/timeScale inflates; read the wall figure
 */
import type { NodePhase } from '../lab/base/event.ts';
import type { RunConfig, RunMetrics } from './metrics/run-metrics.ts';
import { fmtMs } from './format.ts';

export type PhaseTimeKind = 'clock-modelled' | 'network-modelled' | 'compute-bound';

export const PHASE_TIME_KIND: Record<Exclude<NodePhase, 'ready'>, PhaseTimeKind> = {
  'power-on': 'clock-modelled',
  dhcp: 'network-modelled',
  tftp: 'network-modelled',
  'ipxe-dhcp': 'network-modelled',
  script: 'network-modelled',
  kernel: 'network-modelled',
  boot: 'clock-modelled',
  agent: 'compute-bound',
  image: 'network-modelled',
  callback: 'compute-bound',
  reboot: 'clock-modelled',
  'disk-boot': 'clock-modelled',
};

/** The run's timeScale when its times are compressed (0 < s ≠ 1), else null: modelled = wall. */
export function compressedScale(m: Pick<RunMetrics, 'config'>): number | null {
  const s = m.config?.timeScale;
  return typeof s === 'number' && s > 0 && s !== 1 ? s : null;
}

/** The wall-clock figure of a modelled duration. */
export function wallMs(m: Pick<RunMetrics, 'config'>, modelledMs: number): number {
  return modelledMs * (compressedScale(m) ?? 1);
}

/** One line: what the times mean. */
export function timeScaleNote(m: Pick<RunMetrics, 'config'>): string {
  const s = m.config?.timeScale;
  if (s === null || s === undefined) return 'timeScale not recorded (older log): times are wall-clock';
  if (s === 0) return 'timeScale 0 (nothing modelled): times are wall-clock';
  if (s === 1) return 'timeScale 1: modelled time = wall-clock time';
  return `timeScale ${s}: times are modelled (wall = modelled × ${s}); compute-bound phases (agent, callback) are stretched by 1/${s}, read their wall figure`;
}

/** `fmtMs(modelled)` plus ` (wall X)` when the run was compressed. */
export function fmtModelled(m: Pick<RunMetrics, 'config'>, ms: number | null | undefined): string {
  const s = compressedScale(m);
  if (s === null || ms === null || ms === undefined || !Number.isFinite(ms)) return fmtMs(ms);
  return `${fmtMs(ms)} (wall ${fmtMs(ms * s)})`;
}

/** What was tested and on what: fleetlab version + commit, host, every other version recorded. */
export function testedLine(c: RunConfig | null): string {
  if (!c) return 'no run.start in the log';
  const v = c.versions;
  const parts = [`fleetlab ${v.fleetlab ?? '?'}${v.fleetlabCommit ? ` (commit ${v.fleetlabCommit})` : ''}`];
  const h = c.host;
  parts.push(h ? `host ${h.kernel}, ${h.cores} cores (${h.cpuModel}), ${Math.round(h.memoryMB / 1000)} GB, qemu accel ${h.accelerator}` : `host ${v.kernel ?? c.testbed.machine}`);
  const others = Object.entries(v).filter(([k]) => !['fleetlab', 'fleetlabCommit', 'kernel'].includes(k));
  if (others.length) parts.push(others.map(([k, x]) => `${k} ${x}`).join(', '));
  const tv = (c as RunConfig & { targetVersion?: string }).targetVersion;
  parts.push(`target ${c.target}${tv ? ` ${tv}` : ''}`);
  return parts.join(' · ');
}
