/**
 * Two-sample, two-sided Kolmogorov-Smirnov test.
 *
 *   D = max |F_x(v) - F_y(v)| over the pooled values (ECDFs, ties handled by evaluating after
 *       every copy of a value, as scipy.stats.ks_2samp does)
 *
 * p-value:
 * - exact for m*n <= EXACT_LIMIT: the probability that a uniformly random interleaving of m x's
 *   and n y's (a lattice path (0,0)→(m,n)) reaches |i/m - j/n| >= D, computed as a Markov chain
 *   over the lattice that accumulates the mass leaving the band (positive terms only, so small
 *   p-values keep their precision). Same quantity as scipy's exact method.
 * - otherwise Kolmogorov's limit distribution with Stephens' small-sample correction,
 *   λ = (√en + 0.12 + 0.11/√en)·D, en = mn/(m+n) (Numerical Recipes `kstwo`).
 */
export interface KsResult {
  d: number;
  p: number;
  method: 'exact' | 'asymptotic';
}

export const EXACT_LIMIT = 4_000_000;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

export function ksStatistic(x: readonly number[], y: readonly number[]): number {
  const a = Float64Array.from(x).sort();
  const b = Float64Array.from(y).sort();
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length && j < b.length) {
    const v = Math.min(a[i]!, b[j]!);
    while (i < a.length && a[i] === v) i++;
    while (j < b.length && b[j] === v) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  return d;
}

/** P(D_{m,n} >= d) by lattice-path probability (exact). */
export function ksExactSf(m: number, n: number, d: number): number {
  const g = gcd(m, n);
  const lcm = (m / g) * n;
  const h = Math.round(d * lcm);
  if (h === 0) return 1;
  // (i, j) is outside the band when |i*n - j*m| / g >= h.
  const outside = (i: number, j: number) => Math.abs(i * n - j * m) / g >= h;
  let row = new Float64Array(n + 1); // probability of being at (i, j) inside, for the current i
  let out = 0;
  row[0] = 1;
  for (let j = 1; j <= n; j++) {
    // i = 0 row: only y-steps so far
    const pPrev = row[j - 1]! * (n - (j - 1)) / (m + n - (j - 1));
    if (outside(0, j)) {
      out += pPrev;
      row[j] = 0;
    } else row[j] = pPrev;
  }
  for (let i = 1; i <= m; i++) {
    const next = new Float64Array(n + 1);
    for (let j = 0; j <= n; j++) {
      // arrive from (i-1, j) by an x-step, or from (i, j-1) by a y-step
      const left = i + j - 1;
      const fromX = row[j]! * (m - (i - 1)) / (m + n - left);
      const fromY = j > 0 ? next[j - 1]! * (n - (j - 1)) / (m + n - left) : 0;
      const p = fromX + fromY;
      if (outside(i, j)) {
        out += p;
        next[j] = 0;
      } else next[j] = p;
    }
    row = next;
  }
  return Math.min(1, Math.max(0, out));
}

/** Kolmogorov's Q_KS(λ) = 2 Σ (-1)^(k-1) exp(-2 k² λ²). */
export function kolmogorovQ(lambda: number): number {
  if (lambda < 0.2) return 1;
  let sum = 0;
  let sign = 1;
  for (let k = 1; k <= 200; k++) {
    const term = sign * Math.exp(-2 * k * k * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-16 * Math.abs(sum)) break;
    sign = -sign;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

export function ksTwoSample(x: readonly number[], y: readonly number[]): KsResult {
  const m = x.length;
  const n = y.length;
  if (m === 0 || n === 0) return { d: NaN, p: NaN, method: 'asymptotic' };
  const d = ksStatistic(x, y);
  if (m * n <= EXACT_LIMIT) return { d, p: ksExactSf(m, n, d), method: 'exact' };
  const en = (m * n) / (m + n);
  const s = Math.sqrt(en);
  return { d, p: kolmogorovQ((s + 0.12 + 0.11 / s) * d), method: 'asymptotic' };
}
