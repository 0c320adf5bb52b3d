/**
 * Two-sided Mann-Whitney U test, the way scipy.stats.mannwhitneyu(method='auto') computes it, so
 * its p-values can be checked against scipy's:
 * - exact null distribution when either sample has <= 8 values and there are no ties;
 * - otherwise the normal approximation with tie correction and continuity correction.
 *
 *   U1 = R1 - n1(n1+1)/2     (R1: rank sum of x, ties get average ranks)
 *   U  = max(U1, n1 n2 - U1),  p = min(1, 2 P(U' >= U))
 *
 * The exact distribution of U' is the coefficient list of the Gaussian binomial [n1+n2 choose n1]_q
 * (number of ways to get each U), built by multiplying ∏ (1 - q^(n+i)) / (1 - q^i) one factor pair at
 * a time so every intermediate is itself a Gaussian binomial with non-negative coefficients.
 */
import { normalSf } from './normal.ts';

export interface MannWhitneyResult {
  /** U statistic of the first sample (scipy's `statistic`). */
  u1: number;
  p: number;
  method: 'exact' | 'asymptotic';
}

/** Average ranks (1-based) of the pooled values, plus the tie-group sizes. */
export function rankData(values: readonly number[]): { ranks: Float64Array; ties: number[] } {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const ranks = new Float64Array(n);
  const ties: number[] = [];
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]!] === values[order[i]!]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]!] = r;
    if (j > i) ties.push(j - i + 1);
    i = j + 1;
  }
  return { ranks, ties };
}

/** Number of arrangements giving each U in 0..m*n, for sample sizes m, n (as doubles). */
export function uFrequencies(m: number, n: number): Float64Array {
  if (m > n) [m, n] = [n, m];
  const deg = m * n;
  const f = new Float64Array(deg + 1);
  f[0] = 1;
  let cur = 0; // current degree: i*n after i steps
  for (let i = 1; i <= m; i++) {
    // multiply by (1 - q^(n+i))
    const s = n + i;
    const nextDeg = cur + n;
    for (let k = Math.min(nextDeg, cur + s); k >= s; k--) f[k]! -= f[k - s]!;
    // divide by (1 - q^i): g[k] = f[k] + g[k-i]
    for (let k = i; k <= nextDeg; k++) f[k]! += f[k - i]!;
    cur = nextDeg;
  }
  return f;
}

export function mannWhitneyU(x: readonly number[], y: readonly number[]): MannWhitneyResult {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) return { u1: NaN, p: NaN, method: 'asymptotic' };
  const { ranks, ties } = rankData([...x, ...y]);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += ranks[i]!;
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u = Math.max(u1, n1 * n2 - u1);
  if ((n1 <= 8 || n2 <= 8) && ties.length === 0) {
    const f = uFrequencies(n1, n2);
    let total = 0;
    let tail = 0;
    for (let k = 0; k < f.length; k++) {
      total += f[k]!;
      if (k >= u) tail += f[k]!;
    }
    return { u1, p: Math.min(1, (2 * tail) / total), method: 'exact' };
  }
  const n = n1 + n2;
  let tieTerm = 0;
  for (const t of ties) tieTerm += t * t * t - t;
  const s = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  const num = u - (n1 * n2) / 2 - 0.5;
  const z = s > 0 ? num / s : num > 0 ? Infinity : -Infinity;
  return { u1, p: Math.min(1, Math.max(0, 2 * normalSf(z))), method: 'asymptotic' };
}
