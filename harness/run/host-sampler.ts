/**
 * Host saturation, measured rather than ignored: while a run lasts, every second it records how
 * late the harness's own event loop ran (every modelled duration is a timer on that loop), the
 * process's CPU share and the host's runnable tasks, as `host.sample` events; at the end of the
 * scenario it records the UDP datagrams the kernel dropped (`host.udp`, lab/base/udp-drops.ts)
 * while fleetlab's sockets are still open.
 *
 *   monitorEventLoopDelay (10 ms resolution) ─┐
 *   process.cpuUsage() delta                  ├─ every interval ─▶ host.sample {…, saturated}
 *   /proc/loadavg runnable                    ─┘
 *
 * Lag = how late the histogram's 10 ms probe timer fired (its value minus the resolution, so an
 * idle loop reads ~0–3 ms). Run-queue wait = the share of the interval the harness's main thread
 * was ready to run but waited for a CPU (/proc/self/schedstat, field 2): other processes (or too
 * many of our own threads) holding the cores. Saturated = the thread waited ≥ WAIT_SHARE of the
 * interval, or the loop ran ≥ LAG_MEAN_MS late on average: every modelled duration and packet
 * waits on this loop, so timings measured then say more about the host than about the server
 * under test (reports/compare treat them so). Short stalls of the run's own work (p99, max) are
 * recorded but do not count: they are the same in every run of the same configuration.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { EventSink } from '../../lab/base/event.ts';
import { readUdpDrops, udpDropsSince, type UdpDropCounters } from '../../lab/base/udp-drops.ts';

export const SAMPLE_MS = 1000;
/** The finest sampling interval (wall ms): ten /proc reads and one event a second cost nothing. */
export const MIN_SAMPLE_MS = 100;

/**
 * A compressed run samples more often: at timeScale 0.01 a phase of modelled seconds lasts tens of
 * wall ms, and a contention burst that long would vanish in a one-second average while it
 * stretches that phase by 1/timeScale (10 s modelled per 1 s sample at 0.01 → 100 ms).
 */
export function sampleIntervalMs(timeScale: number): number {
  if (!(timeScale > 0) || timeScale >= 1) return SAMPLE_MS;
  return Math.min(SAMPLE_MS, Math.max(MIN_SAMPLE_MS, Math.round(10_000 * timeScale)));
}
const RESOLUTION_MS = 10;
export const LAG_MEAN_MS = 10;
export const WAIT_SHARE = 0.1;

/** Nanoseconds the main thread has waited on a run queue so far (null where schedstat is absent). */
function runQueueWaitNs(): number | null {
  try {
    const f = readFileSync('/proc/self/schedstat', 'utf8').trim().split(/\s+/);
    return Number(f[1]);
  } catch {
    return null;
  }
}

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

export function startHostSampler(events: EventSink, intervalMs = SAMPLE_MS): HostSampler {
  const udpStart: UdpDropCounters = readUdpDrops();
  const cores = availableParallelism();
  const lag: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  lag.enable();
  let cpu = process.cpuUsage();
  let waited = runQueueWaitNs();
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const intervalMs = now - last;
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    last = now;
    // The histogram reports ns, probe period included; an empty one reads NaN or 0.
    const late = (ns: number) => (Number.isFinite(ns) && ns > 0 ? Math.max(0, ns / 1e6 - RESOLUTION_MS) : 0);
    const mean = late(lag.mean);
    const p99 = late(lag.percentile(99));
    const max = late(lag.max);
    lag.reset();
    const runnable = runnableTasks();
    const waitedNow = runQueueWaitNs();
    const waitShare = waited !== null && waitedNow !== null ? (waitedNow - waited) / 1e6 / intervalMs : 0;
    waited = waitedNow;
    const cpuPct = ((used.user + used.system) / 1000 / intervalMs) * 100;
    const saturated = waitShare >= WAIT_SHARE || mean >= LAG_MEAN_MS;
    events.emit({ kind: 'host.sample', intervalMs: round(intervalMs), loopLagMeanMs: round(mean), loopLagP99Ms: round(p99), loopLagMaxMs: round(max), runQueueWaitPct: round(waitShare * 100), cpuPct: round(cpuPct), runnable, cores, saturated });
  }, intervalMs);
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
