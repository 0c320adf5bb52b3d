/**
 * Host events (host.sample, host.udp): the intervals in which the host was saturated, merged into
 * windows, and the UDP datagrams the kernel dropped (the accumulator and the end-of-log figures
 * are in host-accumulator.ts).
 */
import type { FamilyHandlers, MetricsAccumulator } from './metrics-accumulator.ts';

export function hostHandlers(acc: MetricsAccumulator): FamilyHandlers<'host.sample' | 'host.udp'> {
  return {
    'host.sample': (e) => {
      const h = acc.host;
      h.samples++;
      if (e.loopLagMaxMs > h.maxLoopLagMs) h.maxLoopLagMs = e.loopLagMaxMs;
      if (!e.saturated) return;
      const start = Math.max(0, e.t - e.intervalMs);
      const last = h.windows.at(-1);
      // Back-to-back saturated samples are one window (a sample's start is the previous one's end).
      if (last && start <= last.end + 1) last.end = e.t;
      else h.windows.push({ start, end: e.t });
    },
    'host.udp': (e) => {
      acc.host.udp = { inErrors: e.inErrors, rcvbufErrors: e.rcvbufErrors, sndbufErrors: e.sndbufErrors, ownSocketDrops: e.ownSocketDrops };
    },
  };
}
