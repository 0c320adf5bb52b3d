/**
 * run.json: the run's config (from run.start), per-node phase start times and outcome, threshold
 * results, status and fault windows. A derived artefact: rebuilt from events.ndjson at any time.
 */
import type { NodePhase, RunStatus } from '../lab/base/event.ts';
import type { FaultWindow, HostMetrics, NodeError, NodeOutcome, RunConfig, RunMetrics, StepRecord, ThresholdResult, WaveRecord } from './metrics.ts';
import { round } from './format.ts';
import { wallMs } from './time-basis.ts';

export interface RunRecordNode {
  name: string;
  site: string;
  profile: string;
  outcome: NodeOutcome;
  /** `t` (ms since run start) at which each phase of the last provisioning began; `ready` = node.ready. */
  phases: Partial<Record<NodePhase, number>>;
  timeToReadyMs: number | null;
  retries: number;
  provisionings: number;
  image?: string;
  error?: NodeError;
}

export interface RunRecord {
  format: 'fleetlab.run/1';
  runId: string | null;
  runDir: string;
  status: RunStatus;
  reason?: string;
  /** The log had no run.end (killed run); `truncated`: its last line was also cut. */
  complete: boolean;
  truncated: boolean;
  /** Modelled ms (every duration in this file is; README "Modelled time"); wall = × timeScale. */
  durationMs: number;
  /** The lab's timeScale (null: not recorded) and the run's wall-clock length. */
  timeScale: number | null;
  durationWallMs: number;
  config: RunConfig | null;
  /** The target and the server version it reported (image digest + labels, `--version`, API version). */
  target: { name: string | null; version: Record<string, string> | null };
  counts: RunMetrics['counts'];
  timeToReadyMs: { count: number; p50: number | null; p95: number | null; max: number | null };
  thresholds: ThresholdResult[];
  faults: FaultWindow[];
  steps: StepRecord[];
  waves: WaveRecord[];
  /** Host load while the run measured (saturated windows, kernel UDP drops); see reports/metrics/host-handlers.ts. */
  host: HostMetrics;
  nodes: RunRecordNode[];
}

const n = (x: number): number | null => (Number.isFinite(x) ? round(x, 1) : null);

export function runRecord(m: RunMetrics, runDir: string, truncated = false): RunRecord {
  return {
    format: 'fleetlab.run/1',
    runId: m.config?.runId ?? null,
    runDir,
    status: m.status,
    ...(m.reason !== undefined ? { reason: m.reason } : {}),
    complete: m.ended,
    truncated,
    durationMs: round(m.durationMs, 1),
    timeScale: m.config?.timeScale ?? null,
    durationWallMs: round(wallMs(m, m.durationMs), 1),
    config: m.config,
    target: { name: m.config?.target ?? null, version: m.targetVersion },
    counts: m.counts,
    timeToReadyMs: { count: m.timeToReady.count, p50: n(m.timeToReady.p50), p95: n(m.timeToReady.p95), max: n(m.timeToReady.max) },
    thresholds: m.thresholds,
    faults: m.faults,
    steps: m.steps,
    waves: m.waves,
    host: m.host,
    nodes: m.nodes.map((x) => ({
      name: x.name,
      site: x.site,
      profile: x.profile,
      outcome: x.outcome,
      phases: x.phases,
      timeToReadyMs: x.timeToReadyMs === null ? null : round(x.timeToReadyMs, 1),
      retries: x.retries,
      provisionings: x.provisionings,
      ...(x.image !== undefined ? { image: x.image } : {}),
      ...(x.error !== undefined ? { error: x.error } : {}),
    })),
  };
}
