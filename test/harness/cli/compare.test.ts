import t from 'tap';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compareCommand } from '../../../harness/cli/commands/compare.ts';
import { writeSyntheticRun } from '../../../fixtures/reports/synthetic-log.ts';
import { captureIo, runCli } from './cli-helpers.ts';

t.test('same seed: every metric SAME, exit 0, compare.html/xml/json written', async (t) => {
  const root = t.testdir({});
  const a = await writeSyntheticRun(join(root, 'a'), { nodes: 100, seed: 5 });
  const b = await writeSyntheticRun(join(root, 'b'), { nodes: 100, seed: 5 });
  const c = captureIo();
  t.equal(await compareCommand.run([a, b], c.io), 0);
  t.match(c.out(), /\d+ SAME, 0 DIFFERENT, 0 UNKNOWN; no regression/);
  for (const f of ['compare.html', 'compare.xml', 'compare.json']) t.ok(existsSync(join(b, f)), f);
  const j = JSON.parse(await readFile(join(b, 'compare.json'), 'utf8')) as { metrics: { verdict: string }[] };
  t.ok(j.metrics.length > 10 && j.metrics.every((m) => m.verdict === 'SAME'));
  t.match(await readFile(join(b, 'compare.xml'), 'utf8'), /<testsuite name="compare" tests="\d+" failures="0"/);
});

t.test('image 30% slower against two pooled baselines: DIFFERENT, exit 1 (real CLI)', async (t) => {
  const root = t.testdir({});
  const b1 = await writeSyntheticRun(join(root, 'b1'), { nodes: 100, seed: 1 });
  const b2 = await writeSyntheticRun(join(root, 'b2'), { nodes: 100, seed: 2 });
  const run = await writeSyntheticRun(join(root, 'run'), { nodes: 100, seed: 3, phaseFactor: { image: 1.3 } });
  const out = join(root, 'out');
  const r = await runCli(['compare', b1, b2, run, '--out', out]);
  t.equal(r.code, 1, r.stderr);
  t.match(r.stdout, /vs 2 baseline run\(s\)/);
  t.match(r.stdout, /phase_ms\.image\s+DIFFERENT/);
  t.match(r.stdout, /time_to_ready_ms\s+DIFFERENT/);
  t.match(r.stdout, /REGRESSION in/);
  const xml = await readFile(join(out, 'compare.xml'), 'utf8');
  t.match(xml, /<testcase classname="compare.metrics" name="phase_ms.image"[^>]*>\s*<failure type="regression"/);
  const html = await readFile(join(out, 'compare.html'), 'utf8');
  t.match(html, /REGRESSION in/);
  t.match(html, /"baselineCdf":\{"x":\[/, 'baseline CDF overlaid');
  // A wide enough minimum effect turns it back into SAME.
  const c = captureIo();
  t.equal(await compareCommand.run([b1, b2, run, '--out', out, '--min-effect-pct', '40', '--min-effect-ms', '50'], c.io), 0);
});

t.test('different testbeds are refused (exit 2) unless --force', async (t) => {
  const root = t.testdir({});
  const a = await writeSyntheticRun(join(root, 'a'), { nodes: 20, seed: 1 });
  const b = await writeSyntheticRun(join(root, 'b'), { nodes: 30, seed: 1 });
  await t.rejects(compareCommand.run([a, b], captureIo().io), { code: 'FLEETLAB_ERR_TESTBED_MISMATCH', message: /scale=20[\s\S]*scale=30|scale=30[\s\S]*scale=20/ });
  const r = await runCli(['compare', a, b]);
  t.equal(r.code, 2);
  t.match(r.stderr, /FLEETLAB_ERR_TESTBED_MISMATCH: runs from different testbeds are not comparable/);
  const c = captureIo();
  t.equal(await compareCommand.run([a, b, '--force'], c.io), 0);
  t.match(c.err(), /warning: --force/);
});

t.test('usage errors', async (t) => {
  const root = t.testdir({});
  const a = await writeSyntheticRun(join(root, 'a'), { nodes: 5, seed: 1 });
  await t.rejects(compareCommand.run([a], captureIo().io), { code: 'FLEETLAB_ERR_USAGE', message: /at least two/ });
  await t.rejects(compareCommand.run([a, a, '--alpha', 'x'], captureIo().io), { code: 'FLEETLAB_ERR_USAGE', message: /--alpha 'x'/ });
  await t.rejects(compareCommand.run([a, join(root, 'nope')], captureIo().io), { code: 'FLEETLAB_ERR_RUN_LOG_MISSING' });
});

t.test('a run with no nodes in its log cannot be compared (exit 2)', async (t) => {
  const root = t.testdir({ empty: { 'events.ndjson': '' } });
  const a = await writeSyntheticRun(join(root, 'a'), { nodes: 5, seed: 1 });
  await t.rejects(compareCommand.run([a, join(root, 'empty')], captureIo().io), { code: 'FLEETLAB_ERR_RUN_EMPTY', message: /no nodes in the event log/ });
});
