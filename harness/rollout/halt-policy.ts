/**
 * When a rollout stops: a wave's failure rate above a limit, its p95 time-to-ready above a limit,
 * or a custom predicate over the wave's stats and the events since the wave started.
 * Evaluated after every round of a wave (so a bad canary stops at the first failure that makes
 * the limit unreachable) and again after the soak.
 */
import type { FleetEvent } from '../../lab/base/event.ts';
import type { WaveStats } from './wave-stats.ts';

export interface HaltPolicy {
  /** Halt when failed/nodes of a wave exceeds this (0..1). Default 0: any failure halts. */
  failureRate?: number;
  /** Halt when the wave's p95 provision→ready time exceeds this, ms of run time. */
  p95TimeToReadyMs?: number;
  /** Custom: return a reason to halt. Events are those since the wave started. */
  when?: (wave: { name: string; stats: WaveStats }, events: readonly FleetEvent[]) => string | false | null | undefined;
}

/** Failures a wave of `nodes` may have before it must halt. */
export function failureBudget(p: HaltPolicy, nodes: number): number {
  return Math.floor((p.failureRate ?? 0) * nodes + 1e-9);
}

/** Why the wave must halt, or null. `final`: the wave is complete (p95 and predicates apply then). */
export function haltReason(p: HaltPolicy, wave: { name: string; stats: WaveStats; plannedNodes: number }, events: () => readonly FleetEvent[], final: boolean): string | null {
  const s = wave.stats;
  if (s.failed > failureBudget(p, wave.plannedNodes)) return `failures ${s.failed}/${wave.plannedNodes} exceed failureRate ${p.failureRate ?? 0}`;
  if (!final) return null;
  if (p.p95TimeToReadyMs !== undefined && s.p95TtrMs !== null && s.p95TtrMs > p.p95TimeToReadyMs) return `p95 time-to-ready ${Math.round(s.p95TtrMs)} ms exceeds ${p.p95TimeToReadyMs} ms`;
  if (p.when) {
    const r = p.when({ name: wave.name, stats: s }, events());
    if (r) return r;
  }
  return null;
}
