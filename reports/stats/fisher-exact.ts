/**
 * Two-sided Fisher exact test on a 2×2 table [[a, b], [c, d]], as scipy.stats.fisher_exact:
 * p = Σ P(table) over all tables with the same margins whose hypergeometric probability is
 * <= P(observed) (with scipy's 1e-7 relative tolerance). Used for "did more nodes fail tonight".
 */
function logFactorials(n: number): Float64Array {
  const f = new Float64Array(n + 1);
  for (let i = 2; i <= n; i++) f[i] = f[i - 1]! + Math.log(i);
  return f;
}

export function fisherExact(a: number, b: number, c: number, d: number): number {
  const n = a + b + c + d;
  if (n === 0) return 1;
  const lf = logFactorials(n);
  const r1 = a + b;
  const r2 = c + d;
  const c1 = a + c;
  const c2 = b + d;
  // log P(X = x) for X ~ Hypergeometric: x successes in row 1 given the margins.
  const logP = (x: number) => lf[r1]! + lf[r2]! + lf[c1]! + lf[c2]! - lf[n]! - lf[x]! - lf[r1 - x]! - lf[c1 - x]! - lf[r2 - c1 + x]!;
  const lo = Math.max(0, c1 - r2);
  const hi = Math.min(r1, c1);
  const pObs = logP(a);
  let p = 0;
  for (let x = lo; x <= hi; x++) {
    const lp = logP(x);
    if (lp <= pObs + Math.log1p(1e-7)) p += Math.exp(lp);
  }
  return Math.min(1, p);
}
