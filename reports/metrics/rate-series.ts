/**
 * Fleet rates over time (`RateSeries`) from the timed points the handlers collect. The bucket
 * width depends on the run's length, known only once the whole log is read, so the handlers keep
 * raw points and this file buckets them at the end.
 *
 *   points (DHCP ACKs, transfers, ready/failed, provisioning in/out) ──niceBucketMs──▶ buckets ──▶ per-s / per-min rates
 */
import type { RateSeries } from './run-metrics.ts';

/** One transfer (TFTP file, HTTP fetch, agent image) spread over the time it took. */
export interface Transfer {
  kind: 'http' | 'tftp' | 'image';
  from: number;
  to: number;
  bytes: number;
}

/** Raw timed points, `t` ms since run start. */
export interface RatePoints {
  dhcpAcks: number[];
  transfers: Transfer[];
  readyTs: number[];
  failedTs: number[];
  /** +1 when a provisioning starts, -1 when it ends. */
  flight: { t: number; d: 1 | -1 }[];
}

export function emptyRatePoints(): RatePoints {
  return { dhcpAcks: [], transfers: [], readyTs: [], failedTs: [], flight: [] };
}

/** Bucket width giving at most ~120 buckets over `durationMs`, on a human step (1 s, 5 s, 1 min…). */
export function niceBucketMs(durationMs: number): number {
  const steps = [100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000];
  for (const s of steps) if (durationMs / s <= 120) return s;
  return Math.ceil(durationMs / 120 / 3_600_000) * 3_600_000;
}

export function buildRates(durationMs: number, p: RatePoints): RateSeries {
  const bucketMs = niceBucketMs(durationMs);
  const n = Math.max(1, Math.ceil(durationMs / bucketMs));
  const zero = () => new Array<number>(n).fill(0);
  const idx = (t: number) => Math.min(n - 1, Math.max(0, Math.floor(t / bucketMs)));
  const perSec = 1000 / bucketMs;
  const perMin = 60_000 / bucketMs;
  const count = (ts: number[]) => {
    const a = zero();
    for (const t of ts) a[idx(t)]!++;
    return a;
  };
  const dhcp = count(p.dhcpAcks);
  const bytes = { http: zero(), tftp: zero(), image: zero() };
  for (const x of p.transfers) spread(bytes[x.kind], bucketMs, x.from, x.to, x.bytes);
  const ready = count(p.readyTs);
  const failed = count(p.failedTs);
  const delta = zero();
  for (const f of p.flight) delta[idx(f.t)]! += f.d;
  const inFlight = zero();
  let acc = 0;
  for (let i = 0; i < n; i++) inFlight[i] = acc += delta[i]!;
  const mbps = (a: number[]) => a.map((b) => (b / 1e6) * perSec);
  return {
    bucketMs,
    t: Array.from({ length: n }, (_, i) => i * bucketMs),
    dhcpPerSec: dhcp.map((c) => c * perSec),
    httpMBps: mbps(bytes.http),
    tftpMBps: mbps(bytes.tftp),
    imageMBps: mbps(bytes.image),
    readyPerMin: ready.map((c) => c * perMin),
    failedPerMin: failed.map((c) => c * perMin),
    inFlight,
  };
}

/** Adds `amount` spread evenly over [from, to] into the buckets it overlaps. */
function spread(arr: number[], bucketMs: number, from: number, to: number, amount: number): void {
  const n = arr.length;
  const clamp = (i: number) => Math.min(n - 1, Math.max(0, i));
  if (!(to > from)) {
    arr[clamp(Math.floor(to / bucketMs))]! += amount;
    return;
  }
  const rate = amount / (to - from);
  let i = clamp(Math.floor(from / bucketMs));
  const last = clamp(Math.floor(to / bucketMs));
  for (; i <= last; i++) {
    const lo = i === clamp(Math.floor(from / bucketMs)) ? from : i * bucketMs;
    const hi = i === last ? to : (i + 1) * bucketMs;
    arr[i]! += rate * Math.max(0, hi - lo);
  }
}
