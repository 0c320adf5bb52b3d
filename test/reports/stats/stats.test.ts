// Reference p-values computed with scipy 1.17.1 (scipy.stats.mannwhitneyu / ks_2samp, method='auto',
// two-sided) on this machine, plus textbook exact values where they exist.
import t from 'tap';
import { mannWhitneyU, uFrequencies, rankData } from '../../../reports/stats/mann-whitney.ts';
import { ksTwoSample, ksExactSf, kolmogorovQ } from '../../../reports/stats/kolmogorov-smirnov.ts';
import { normalSf } from '../../../reports/stats/normal.ts';
import { computeStat } from '../../../reports/stats/stat.ts';

const close = (t: { ok(c: boolean, m: string): unknown }, got: number, want: number, rel: number, msg: string) =>
  t.ok(Math.abs(got - want) <= rel * Math.max(Math.abs(want), 1e-12), `${msg}: got ${got}, want ${want}`);

const medX = [10.0, 13.577, 14.833, 13.581, 11.94, 12.386, 15.478, 19.339, 21.389, 20.71, 18.894, 18.579, 21.022, 24.945, 27.709, 27.74, 25.978, 25.011, 26.694, 30.45];
const medY = [15.0, 14.538, 12.585, 11.78, 13.706, 17.434, 20.381, 20.678, 18.897, 17.517, 18.649, 22.097, 25.532, 26.639, 25.244, 23.471, 23.794, 26.758, 30.481, 32.383, 31.558, 29.607, 29.167, 31.485, 35.273];

t.test('normal tail', async (t) => {
  close(t, normalSf(1.959963984540054), 0.025, 1e-6, 'z=1.96');
  close(t, normalSf(0), 0.5, 1e-7, 'z=0');
  close(t, normalSf(-1), 0.8413447460685429, 1e-6, 'z=-1');
  close(t, normalSf(4), 3.167124183311998e-5, 1e-5, 'z=4');
});

t.test('U distribution counts are the Gaussian binomial (textbook)', async (t) => {
  // m=n=2: U in 0..4 with counts 1,1,2,1,1 (C(4,2) = 6 arrangements)
  t.same(Array.from(uFrequencies(2, 2)), [1, 1, 2, 1, 1]);
  const f = uFrequencies(8, 8);
  t.equal(f.reduce((a, b) => a + b, 0), 12870, 'sum = C(16,8)');
  t.equal(f.length, 65);
  const f2 = uFrequencies(3, 40);
  t.equal(f2.reduce((a, b) => a + b, 0), 12341, 'sum = C(43,3)');
  t.ok(f2.every((v) => v >= 1), 'every U in 0..mn is reachable');
});

t.test('ranks average ties', async (t) => {
  const r = rankData([3, 1, 3, 2]);
  t.same(Array.from(r.ranks), [3.5, 1, 3.5, 2]);
  t.same(r.ties, [2]);
});

t.test('Mann-Whitney U against scipy', async (t) => {
  let r = mannWhitneyU([1.1, 2.3, 3.5, 4.2, 5.0], [2.9, 4.8, 6.1, 7.7, 8.4, 9.3]);
  t.equal(r.method, 'exact');
  t.equal(r.u1, 4);
  close(t, r.p, 0.05194805194805195, 1e-12, 'small exact');
  r = mannWhitneyU([1, 2, 3, 4, 5, 6, 7, 8], [9, 10, 11, 12, 13, 14, 15, 16]);
  close(t, r.p, 2 / 12870, 1e-12, 'fully separated 8 vs 8 = 2/C(16,8)');
  r = mannWhitneyU([1, 2, 2, 3, 4, 5, 5], [3, 3, 4, 6, 7, 7, 8, 9]);
  t.equal(r.method, 'asymptotic', 'ties force the normal approximation');
  t.equal(r.u1, 9.5);
  close(t, r.p, 0.035893149244152815, 1e-6, 'ties');
  r = mannWhitneyU(medX, medY);
  t.equal(r.u1, 189);
  close(t, r.p, 0.16699707002433717, 1e-6, 'medium');
  r = mannWhitneyU([5, 6, 7], [5, 6, 7]);
  t.equal(r.p, 1, 'identical samples');
  const lx = Array.from({ length: 300 }, (_, i) => ((i * 37) % 101) / 10);
  const ly = Array.from({ length: 400 }, (_, i) => ((i * 53) % 103) / 10 + 0.4);
  r = mannWhitneyU(lx, ly);
  t.equal(r.u1, 54625.5);
  close(t, r.p, 0.04237616197238556, 1e-5, 'large with ties');
});

t.test('Kolmogorov-Smirnov against scipy', async (t) => {
  let r = ksTwoSample([1.1, 2.3, 3.5, 4.2, 5.0], [2.9, 4.8, 6.1, 7.7, 8.4, 9.3]);
  close(t, r.d, 2 / 3, 1e-12, 'D small');
  close(t, r.p, 0.10822510822510821, 1e-9, 'p small exact');
  r = ksTwoSample([1, 2, 2, 3, 4, 5, 5], [3, 3, 4, 6, 7, 7, 8, 9]);
  close(t, r.d, 0.625, 1e-12, 'D ties');
  close(t, r.p, 0.055944055944055944, 1e-9, 'p ties');
  r = ksTwoSample(medX, medY);
  close(t, r.d, 0.23, 1e-12, 'D medium');
  close(t, r.p, 0.5286364448145011, 1e-9, 'p medium');
  r = ksTwoSample([1, 2, 3, 4, 5, 6, 7, 8], [9, 10, 11, 12, 13, 14, 15, 16]);
  close(t, r.p, 2 / 12870, 1e-9, 'fully separated: only 2 of C(16,8) paths');
  t.equal(ksTwoSample([5, 6, 7], [5, 6, 7]).p, 1);
  const lx = Array.from({ length: 300 }, (_, i) => ((i * 37) % 101) / 10);
  const ly = Array.from({ length: 400 }, (_, i) => ((i * 53) % 103) / 10 + 0.4);
  r = ksTwoSample(lx, ly);
  close(t, r.d, 0.0625, 1e-12, 'D large');
  close(t, r.p, 0.4976274119435355, 1e-7, 'p large (exact path count)');
  // Asymptotic branch: Kolmogorov limit with Stephens' correction vs scipy's asymp (kstwo) value.
  const en = (300 * 400) / 700;
  const lam = (Math.sqrt(en) + 0.12 + 0.11 / Math.sqrt(en)) * 0.0625;
  close(t, kolmogorovQ(lam), 0.49664365973309466, 0.02, 'asymptotic within 2% of scipy asymp at en=171');
  close(t, ksExactSf(10, 10, 0.5), 0.16782134274394334, 1e-9, 'n=m=10, D=0.5 (textbook/scipy)');
});

t.test('Stat: percentiles by linear interpolation, sample sd', async (t) => {
  const s = computeStat([4, 1, 3, 2]);
  t.equal(s.count, 4);
  t.equal(s.min, 1);
  t.equal(s.max, 4);
  t.equal(s.p50, 2.5);
  t.equal(s.p90, 3.7);
  t.equal(s.mean, 2.5);
  close(t, s.sd, 1.2909944487358056, 1e-12, 'sd');
  t.same(s.samples, [4, 1, 3, 2], 'raw samples kept in order');
  const e = computeStat([], 3);
  t.equal(e.count, 0);
  t.equal(e.errors, 3);
  t.ok(Number.isNaN(e.p50));
});

t.test('Fisher exact test against scipy', async (t) => {
  const { fisherExact } = await import('../../../reports/stats/fisher-exact.ts');
  close(t, fisherExact(60, 0, 25, 5), 0.0032425113428510345, 1e-9, '60/60 vs 25/30');
  close(t, fisherExact(8, 2, 1, 5), 0.034965034965034975, 1e-9, 'textbook 2x2');
  close(t, fisherExact(100, 0, 0, 30), 3.827988051259032e-30, 1e-6, 'complete separation');
  close(t, fisherExact(59, 1, 29, 1), 1, 1e-9, 'one failure each side');
});
