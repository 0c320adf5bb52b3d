import t from 'tap';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { reportCommand } from '../../../harness/cli/commands/report.ts';
import { captureIo, runCli } from './cli-helpers.ts';
import { syntheticEvents, toNdjson, writeSyntheticRun } from '../../../fixtures/reports/synthetic-log.ts';

t.test('fleetlab report rebuilds every report and prints the text summary', async (t) => {
  const dir = await writeSyntheticRun(t.testdir({}), { nodes: 30, sites: 10, seed: 2 });
  const c = captureIo();
  t.equal(await reportCommand.run([dir], c.io), 0);
  for (const f of ['run.json', 'junit.xml', 'metrics.csv', 'report.html']) t.ok(existsSync(join(dir, f)), f);
  t.match(c.out(), /PASSED/);
  t.match(c.out(), /nodes: 30 total, 30 ready, 0 failed/);
  t.match(c.out(), /time-to-ready: p50/);
  t.match(c.out(), /reports: .*report\.html/);
});

t.test('--json prints exactly one JSON object; --reporter tap prints TAP', async (t) => {
  const dir = await writeSyntheticRun(t.testdir({}), { nodes: 10, seed: 2, failEvery: 5 });
  let c = captureIo();
  t.equal(await reportCommand.run([dir, '--json'], c.io), 0);
  const s = JSON.parse(c.out()) as { status: string; nodes: { failed: number } };
  t.equal(s.status, 'failed');
  t.equal(s.nodes.failed, 2);
  c = captureIo();
  t.equal(await reportCommand.run([dir, '--reporter', 'tap'], c.io), 0);
  t.match(c.out(), /^TAP version 14\n/);
  t.match(c.out(), /1\.\.4\n$/);
  await t.rejects(reportCommand.run([dir, '--reporter', 'xml'], captureIo().io), { code: 'FLEETLAB_ERR_USAGE' });
});

t.test('a killed run (cut last line, no run.end) still gets its reports', async (t) => {
  const dir = t.testdir({});
  await writeFile(join(dir, 'events.ndjson'), toNdjson(syntheticEvents({ nodes: 8, seed: 1, noEnd: true }).filter((e) => e.t < 10_000)) + '{"t":10000,"ki');
  const c = captureIo();
  t.equal(await reportCommand.run([dir], c.io), 0);
  t.match(c.out(), /INTERRUPTED/);
  t.match(c.out(), /killed/);
  t.match(c.err(), /cut short/);
  const rec = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as { status: string };
  t.equal(rec.status, 'interrupted');
});

t.test('--baseline overlays a baseline in report.html', async (t) => {
  const root = t.testdir({});
  const base = await writeSyntheticRun(join(root, 'base'), { nodes: 20, seed: 1 });
  const run = await writeSyntheticRun(join(root, 'run'), { nodes: 20, seed: 2 });
  t.equal(await reportCommand.run([run, '--baseline', base], captureIo().io), 0);
  const html = await readFile(join(run, 'report.html'), 'utf8');
  t.match(html, /id="comparison"/);
  t.match(html, /"baselineCdf":\{"x":\[/);
});

t.test('no events.ndjson: FLEETLAB_ERR_RUN_LOG_MISSING, exit 2 (real CLI)', async (t) => {
  const dir = t.testdir({});
  await t.rejects(reportCommand.run([dir], captureIo().io), { code: 'FLEETLAB_ERR_RUN_LOG_MISSING' });
  const r = await runCli(['report', dir]);
  t.equal(r.code, 2);
  t.match(r.stderr, /FLEETLAB_ERR_RUN_LOG_MISSING: no event log at .*events\.ndjson/);
});
