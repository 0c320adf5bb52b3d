/**
 * Live threshold checks copy the metrics feed (1.1–1.4 s of CPU at 10,000 nodes, bench/
 * nightly-overhead.ts): the watch spaces them so they take at most MAX_CHECK_SHARE of the run.
 */
import t from 'tap';
import { MAX_CHECK_SHARE, ThresholdWatch } from '../../../harness/run/threshold-watch.ts';
import { parseThresholds } from '../../../harness/run/threshold-spec.ts';
import { Problems } from '../../../lab/base/problem.ts';

t.test('a slow live check spaces the next ones: at most MAX_CHECK_SHARE of the time goes to checks', async (t) => {
  const problems = new Problems();
  const list = parseThresholds({ 'ready.ratio': { threshold: '>= 1', abortOnFail: true } }, problems);
  t.same(problems.list, []);
  const watch = new ThresholdWatch(list, new Map(), () => {}, () => 0, 10);
  let checks = 0;
  let busyMs = 0;
  // Each check holds the loop 20 ms, as a large fleet's snapshot does for longer.
  watch.check = () => {
    checks++;
    const t0 = performance.now();
    while (performance.now() - t0 < 20);
    busyMs += performance.now() - t0;
  };
  const started = performance.now();
  watch.start();
  await new Promise((r) => setTimeout(r, 1500));
  watch.stop();
  const elapsed = performance.now() - started;
  t.ok(checks >= 1, `checks ran: ${checks}`);
  // Unspaced, a check every 10 ms would be ~50 in 1.5 s; spaced, one per ≥ 20 ms / 0.05 = 400 ms.
  t.ok(checks <= 5, `checks were spaced: ${checks} in ${elapsed.toFixed(0)} ms`);
  t.ok(busyMs / elapsed <= MAX_CHECK_SHARE + 20 / elapsed, `checks took ${((busyMs / elapsed) * 100).toFixed(1)} % of the time`);
  const after = checks;
  await new Promise((r) => setTimeout(r, 500));
  t.equal(checks, after, 'stop() ends the checks');
});
