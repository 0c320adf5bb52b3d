/**
 * What the host events leave in the accumulator, and the figures derived from it at the end: every
 * phase span and provisioning is checked against the saturated windows, so reports can flag the
 * timings measured while the host, not the server under test, set the pace.
 */
import type { NodePhase } from '../../lab/base/event.ts';
import type { HostMetrics, HostWindow, NodeMetrics, PhaseSpan } from './run-metrics.ts';

export interface HostAccumulator {
  samples: number;
  maxLoopLagMs: number;
  windows: HostWindow[];
  udp: HostMetrics['udp'];
}

export const newHostAccumulator = (): HostAccumulator => ({ samples: 0, maxLoopLagMs: 0, windows: [], udp: null });

function overlaps(windows: HostWindow[], start: number, end: number): boolean {
  return windows.some((w) => w.start < end && start < w.end);
}

/** Shares of phase spans and of provisionings that overlap a saturated window. */
export function hostMetrics(h: HostAccumulator, spans: PhaseSpan[], nodes: NodeMetrics[]): HostMetrics {
  const byPhase = new Map<NodePhase, { n: number; hit: number }>();
  for (const s of spans) {
    const a = byPhase.get(s.phase) ?? { n: 0, hit: 0 };
    a.n++;
    if (overlaps(h.windows, s.start, s.start + s.ms)) a.hit++;
    byPhase.set(s.phase, a);
  }
  const saturatedPhaseShare: Partial<Record<NodePhase, number>> = {};
  for (const [p, a] of byPhase) if (a.hit) saturatedPhaseShare[p] = a.hit / a.n;
  const provisioned = nodes.filter((n) => n.start !== null && n.end !== null);
  const hitNodes = provisioned.filter((n) => overlaps(h.windows, n.start!, n.end!)).length;
  return {
    samples: h.samples,
    saturatedMs: h.windows.reduce((s, w) => s + (w.end - w.start), 0),
    maxLoopLagMs: h.maxLoopLagMs,
    windows: h.windows,
    saturatedPhaseShare,
    saturatedProvisioningShare: provisioned.length ? hitNodes / provisioned.length : 0,
    udp: h.udp,
  };
}
