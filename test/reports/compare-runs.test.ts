import t from 'tap';
import { computeMetrics } from '../../reports/metrics.ts';
import { compareRuns, compareSamples, compareText, testbedMismatch, DEFAULT_COMPARE } from '../../reports/compare-runs.ts';
import { syntheticEvents } from '../../fixtures/reports/synthetic-log.ts';

const run = (o: Parameters<typeof syntheticEvents>[0]) => computeMetrics(syntheticEvents(o));

t.test('two runs of the same seed: SAME for every metric, no regression', async (t) => {
  const c = compareRuns([run({ nodes: 200, seed: 11 })], run({ nodes: 200, seed: 11 }));
  t.ok(c.metrics.length >= 15);
  for (const m of c.metrics) t.equal(m.verdict, 'SAME', m.metric);
  t.same(c.regressions, []);
});

t.test('runs of different seeds from the same system: SAME everywhere', async (t) => {
  const c = compareRuns([run({ nodes: 200, seed: 1 }), run({ nodes: 200, seed: 2 })], run({ nodes: 200, seed: 3 }));
  t.same(c.metrics.filter((m) => m.verdict !== 'SAME').map((m) => `${m.metric} ${m.verdict} ${m.reason}`), []);
});

t.test('image phase 30% slower: DIFFERENT (worse) for image and time-to-ready', async (t) => {
  const c = compareRuns([run({ nodes: 200, seed: 1 })], run({ nodes: 200, seed: 2, phaseFactor: { image: 1.3 } }));
  const v = Object.fromEntries(c.metrics.map((m) => [m.metric, m]));
  t.equal(v['phase_ms.image']?.verdict, 'DIFFERENT');
  t.equal(v['image_download_ms']?.verdict, 'DIFFERENT');
  t.equal(v['time_to_ready_ms']?.verdict, 'DIFFERENT');
  t.ok(v['phase_ms.image']!.deltaPct > 25 && v['phase_ms.image']!.deltaPct < 35);
  t.ok(c.regressions.includes('time_to_ready_ms') && c.regressions.includes('phase_ms.image'));
  t.equal(v['phase_ms.dhcp']?.verdict, 'SAME');
  t.match(compareText(c), /REGRESSION in .*phase_ms\.image/);
  // Faster is DIFFERENT but not a regression.
  const f = compareRuns([run({ nodes: 200, seed: 1, phaseFactor: { image: 1.3 } })], run({ nodes: 200, seed: 2 }));
  t.equal(f.metrics.find((m) => m.metric === 'phase_ms.image')?.verdict, 'DIFFERENT');
  t.same(f.regressions, []);
});

t.test('minimum effect: a significant but trivial shift is SAME; too few samples is UNKNOWN', async (t) => {
  const base = Array.from({ length: 500 }, (_, i) => 1000 + (i % 50));
  const shifted = base.map((x) => x + 20); // 2%: significant with 500 samples, below 5% and 50 ms
  const c = compareSamples('m', base, shifted);
  t.ok(c.p < 1e-6, 'the tests do see the shift');
  t.equal(c.verdict, 'SAME');
  t.match(c.reason, /below the minimum effect/);
  t.equal(compareSamples('m', base, shifted, { ...DEFAULT_COMPARE, minEffectPct: 1, minEffectMs: 10 }).verdict, 'DIFFERENT', 'configurable');
  t.equal(compareSamples('m', [1, 2, 3], [100, 200, 300]).verdict, 'UNKNOWN');
  // A big shift on a small, noisy sample: suggestive p between alpha and 0.05 → UNKNOWN.
  const u = compareSamples('m', [100, 400, 200, 900, 300, 700, 500, 250], [450, 800, 350, 1000, 600, 950, 750, 1100]);
  t.ok(Math.abs(u.p - 0.028127428127428127) < 1e-12, `p=${u.p} (scipy MWU exact; KS p=0.283)`);
  t.equal(u.verdict, 'UNKNOWN');
});

t.test('runs from different testbeds are refused with a message naming both', async (t) => {
  const a = { dir: 'runs/a', metrics: run({ nodes: 20, seed: 1 }) };
  const b = { dir: 'runs/b', metrics: run({ nodes: 20, seed: 1, testbed: { tier: 'qemu' } }) };
  const c = { dir: 'runs/c', metrics: run({ nodes: 30, seed: 1 }) };
  t.equal(testbedMismatch([a], { dir: 'x', metrics: run({ nodes: 20, seed: 2 }) }), null);
  const msg = testbedMismatch([a, b], c);
  t.match(msg, /different testbeds/);
  t.match(msg, /run x?runs\/c: tier=sim machine=linux-x64-2cpu scale=30/);
  t.match(msg, /baseline runs\/b: tier=qemu/);
  t.match(msg, /--force/);
});

t.test('several baselines: their spread is a noise floor no run-level shift below it can cross', async (t) => {
  const mk = (shift: number) => computeMetrics(syntheticEvents({ nodes: 100, seed: 7 + shift, phaseFactor: { tftp: 1 + shift / 10 } }));
  // Baselines whose TFTP medians differ by ~20% between runs (a loaded machine), run within that range.
  const c = compareRuns([mk(0), mk(2)], mk(1));
  const tftp = c.metrics.find((m) => m.metric === 'phase_ms.tftp')!;
  t.ok(tftp.noiseMs > 40, `noise ${tftp.noiseMs} ms`);
  t.equal(tftp.verdict, 'SAME');
  // With a single baseline there is no noise estimate: the same shift is DIFFERENT.
  const one = compareRuns([mk(0)], mk(2)).metrics.find((m) => m.metric === 'phase_ms.tftp')!;
  t.equal(one.noiseMs, 0);
  t.equal(one.verdict, 'DIFFERENT');
});

t.test('fewer nodes ready tonight is a regression even without duration samples', async (t) => {
  const c = compareRuns([run({ nodes: 60, seed: 1 })], run({ nodes: 60, seed: 2, failEvery: 4 }));
  t.equal(c.outcomes.verdict, 'DIFFERENT');
  t.equal(c.outcomes.regression, true);
  t.ok(c.regressions.includes('nodes_ready_ratio'));
  t.match(compareText(c), /nodes_ready_ratio: DIFFERENT ▲ — 45\/60 vs 60\/60/);
  const none = compareRuns([run({ nodes: 30, seed: 1 })], run({ nodes: 30, seed: 2, failEvery: 1 }));
  t.ok(none.regressions.includes('nodes_ready_ratio'), 'nothing ready: regression');
  t.equal(compareRuns([run({ nodes: 60, seed: 1 })], run({ nodes: 60, seed: 2, failEvery: 60 })).outcomes.verdict, 'SAME', 'one failure in 60 is not significant');
});
