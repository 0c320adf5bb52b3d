/**
 * Host saturation, measured rather than ignored: while a run lasts, every second it records how
 * late the harness's own event loop ran (every modelled duration is a timer on that loop), the
 * process's CPU share and the host's runnable tasks, as `host.sample` events; at the end of the
 * scenario it records the UDP datagrams the kernel dropped (`host.udp`, lab/base/udp-drops.ts)
 * while fleetlab's sockets are still open.
 *
 *   monitorEventLoopDelay (10 ms resolution) ─┐
 *   process.cpuUsage() delta                  ├─ every SAMPLE_MS ─▶ host.sample {…, saturated}
 *   /proc/loadavg runnable                    ─┘
 *
 * Saturated = the loop ran ≥ LAG_P99_MS late at p99, or ≥ LAG_MAX_MS once, in the interval: every
 * modelled duration and every packet the lab handles waits on this loop, so a late loop is the
 * direct evidence that timings measured then say more about the host than about the server under
 * test (reports/compare treat them so). The host's runnable tasks are recorded beside it as the
 * likely cause, but a busy host whose harness still keeps time is not saturated.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { EventSink } from '../../lab/base/event.ts';
import { readUdpDrops, udpDropsSince, type UdpDropCounters } from '../../lab/base/udp-drops.ts';

export const SAMPLE_MS = 1000;
export const LAG_P99_MS = 20;
export const LAG_MAX_MS = 100;

/** Runnable tasks on the host now (4th field of /proc/loadavg: running/total), minus this sampler. */
function runnableTasks(): number {
  try {
    const m = /^\S+ \S+ \S+ (\d+)\//.exec(readFileSync('/proc/loadavg', 'utf8'));
    return m ? Math.max(0, Number(m[1]) - 1) : 0;
  } catch {
    return 0;
  }
}

export interface HostSampler {
  /** Emits the UDP drop counts since start (call while the lab's sockets are still open). */
  reportUdpDrops(): void;
  stop(): void;
}

export function startHostSampler(events: EventSink): HostSampler {
  const udpStart: UdpDropCounters = readUdpDrops();
  const cores = availableParallelism();
  const lag: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  let cpu = process.cpuUsage();
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const intervalMs = now - last;
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    last = now;
    // The histogram reports ns; the first sample of an idle loop can be empty (NaN/0).
    const p99 = Number.isFinite(lag.percentile(99)) ? lag.percentile(99) / 1e6 : 0;
    const max = Number.isFinite(lag.max) ? lag.max / 1e6 : 0;
    lag.reset();
    const runnable = runnableTasks();
    const cpuPct = ((used.user + used.system) / 1000 / intervalMs) * 100;
    const saturated = p99 >= LAG_P99_MS || max >= LAG_MAX_MS;
    events.emit({ kind: 'host.sample', intervalMs: round(intervalMs), loopLagP99Ms: round(p99), loopLagMaxMs: round(max), cpuPct: round(cpuPct), runnable, cores, saturated });
  }, SAMPLE_MS);
  // Sampling must never keep a finished run alive.
  timer.unref();
  let udpReported = false;
  return {
    reportUdpDrops() {
      if (udpReported) return;
      udpReported = true;
      const d = udpDropsSince(udpStart);
      events.emit({ kind: 'host.udp', inErrors: d.host?.inErrors ?? null, rcvbufErrors: d.host?.rcvbufErrors ?? null, sndbufErrors: d.host?.sndbufErrors ?? null, ownSocketDrops: d.ownSocketDrops });
    },
    stop() {
      clearInterval(timer);
      lag.disable();
    },
  };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
