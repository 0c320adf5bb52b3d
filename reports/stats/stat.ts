/**
 * One metric's distribution: the numbers every report shows (k6/Gatling set) plus the raw samples,
 * kept so `fleetlab compare` can run rank tests on them.
 *
 * Percentiles use linear interpolation between closest ranks (numpy's default, "type 7"), so
 * p50 of [1,2,3,4] is 2.5. `sd` is the sample standard deviation (n-1). An empty Stat has
 * count 0 and NaN everywhere (JSON writes NaN as null).
 */
export interface Stat {
  count: number;
  /** Samples that ended in an error (a failed phase, a BMC 5xx); not part of `samples`. */
  errors: number;
  min: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  sd: number;
  samples: number[];
}

/** q in [0,1] of an ascending-sorted array; NaN when empty. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (pos - lo);
}

export function computeStat(samples: number[], errors = 0): Stat {
  const sorted = Float64Array.from(samples).sort();
  const arr = Array.from(sorted);
  const n = arr.length;
  let sum = 0;
  for (const v of arr) sum += v;
  const mean = n ? sum / n : NaN;
  let ss = 0;
  for (const v of arr) ss += (v - mean) * (v - mean);
  return {
    count: n,
    errors,
    min: n ? arr[0]! : NaN,
    p50: quantileSorted(arr, 0.5),
    p90: quantileSorted(arr, 0.9),
    p95: quantileSorted(arr, 0.95),
    p99: quantileSorted(arr, 0.99),
    max: n ? arr[n - 1]! : NaN,
    mean,
    sd: n > 1 ? Math.sqrt(ss / (n - 1)) : n === 1 ? 0 : NaN,
    samples,
  };
}

/** The statistic names, in the order CSV and tables print them. */
export const STAT_FIELDS = ['count', 'errors', 'min', 'p50', 'p90', 'p95', 'p99', 'max', 'mean', 'sd'] as const;
