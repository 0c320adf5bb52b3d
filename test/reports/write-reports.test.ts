import t from 'tap';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeReports } from '../../reports/write-reports.ts';
import { jsonSummary, textSummary } from '../../reports/summary.ts';
import type { RunRecord } from '../../reports/run-record.ts';
import { syntheticEvents, toNdjson, writeSyntheticRun } from '../../fixtures/reports/synthetic-log.ts';

t.test('writeReports builds run.json, junit.xml, metrics.csv, report.html from events.ndjson', async (t) => {
  const dir = await writeSyntheticRun(t.testdir({}), { nodes: 30, sites: 10, seed: 4, failEvery: 15 });
  const summary = await writeReports(dir);
  t.equal(summary.status, 'failed');
  t.same(summary.nodes, { total: 30, ready: 28, failed: 2, unfinished: 0 });

  const rec = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as RunRecord;
  t.equal(rec.config?.scenario, 'provision');
  t.equal(rec.config?.seed, 4);
  t.same(rec.config?.testbed, { tier: 'sim', machine: 'linux-x64-2cpu', scale: 30 });
  t.equal(rec.nodes.length, 30);
  t.equal(rec.complete, true);
  const ready = rec.nodes.filter((n) => n.outcome === 'ready');
  t.equal(ready.length, 28);
  for (const n of ready) {
    const order = ['power-on', 'dhcp', 'tftp', 'ipxe-dhcp', 'script', 'kernel', 'boot', 'agent', 'image', 'callback', 'reboot', 'disk-boot', 'ready'] as const;
    const ts = order.map((p) => n.phases[p]);
    if (!ts.every((x, i) => x !== undefined && (i === 0 || x >= ts[i - 1]!))) t.fail(`${n.name}: phases missing or out of order: ${JSON.stringify(n.phases)}`);
  }
  const failed = rec.nodes.filter((n) => n.outcome === 'failed');
  t.same(failed.map((n) => n.error?.code), ['FLEETLAB_ERR_IMAGE_CHECKSUM', 'FLEETLAB_ERR_IMAGE_CHECKSUM']);
  t.equal(rec.faults.length, 0);
  t.equal(rec.thresholds.length, 2);

  const junit = await readFile(join(dir, 'junit.xml'), 'utf8');
  t.match(junit, /^<\?xml version="1.0" encoding="UTF-8"\?>/);
  t.match(junit, /<testsuite name="provision" tests="4" failures="3" errors="0"/, 'two thresholds + two failed nodes, one threshold passes');
  t.match(junit, /<testcase classname="provision.thresholds" name="p95 time-to-ready" time="0.000"\/>/);
  t.match(junit, /<testcase classname="provision.nodes" name="site-004-node-001"/);
  t.match(junit, /node.failed node=site-004-node-001 phase=image code=FLEETLAB_ERR_IMAGE_CHECKSUM/, 'failure body has the last events');
  t.equal((junit.match(/<testcase /g) ?? []).length, 4);

  const csv = (await readFile(join(dir, 'metrics.csv'), 'utf8')).trim().split('\n');
  t.equal(csv[0], 'run_id,metric,scope,stat,value');
  t.ok(csv.includes('synthetic-4,nodes,fleet,ready,28'));
  t.ok(csv.some((l) => l.startsWith('synthetic-4,time_to_ready_ms,fleet,p95,')));
  t.ok(csv.some((l) => l.startsWith('synthetic-4,phase_ms.image,fleet,p50,')));
  t.ok(csv.some((l) => l.startsWith('synthetic-4,time_to_ready_ms,site:site-003,p50,')));
  t.ok(csv.includes('synthetic-4,threshold,threshold:all nodes ready,ok,0'));
  t.ok(csv.every((l) => l.split(',').length === 5), 'five columns on every row');

  const html = await readFile(join(dir, 'report.html'), 'utf8');
  t.match(html, /<script type="application\/json" id="fleetlab-data">/);
  t.notMatch(html, /<script[^>]+src=|<link[^>]+href=|@import|url\(https?:/, 'no external resources: self-contained');
  t.match(html, /uPlot/, 'chart library inlined');
});

t.test('a log cut short by a kill still produces every report, status interrupted', async (t) => {
  const dir = t.testdir({});
  const text = toNdjson(syntheticEvents({ nodes: 12, seed: 9, noEnd: true }).filter((e) => e.t < 20_000));
  await writeFile(join(dir, 'events.ndjson'), text + '{"t":20001,"kind":"node.pha'); // cut mid-line
  const summary = await writeReports(dir);
  t.equal(summary.status, 'interrupted');
  t.equal(summary.nodes.total, 12);
  const rec = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as RunRecord;
  t.equal(rec.complete, false);
  t.equal(rec.truncated, true);
  t.ok(rec.nodes.some((n) => n.outcome === 'unfinished'));
  const junit = await readFile(join(dir, 'junit.xml'), 'utf8');
  t.match(junit, /<testcase classname="provision.run" name="run status"[^>]*>\s*<error type="interrupted"/, 'a killed run is never green in CI');
  t.match(await readFile(join(dir, 'report.html'), 'utf8'), /the run was killed/);
});

t.test('JSON summary has exactly the stable --json shape; text summary names the figures', async (t) => {
  const events = syntheticEvents({ nodes: 10, seed: 2 });
  const s = jsonSummary(events, '/runs/x');
  t.same(Object.keys(s), ['status', 'runDir', 'seed', 'nodes', 'timeToReadyMs', 'phasesMs', 'thresholds', 'timeScale', 'host'], 'additive: timeScale (and wallMs only when compressed)');
  t.same(Object.keys(s.nodes), ['total', 'ready', 'failed', 'unfinished']);
  t.same(Object.keys(s.timeToReadyMs), ['p50', 'p95', 'max']);
  t.same(Object.keys(s.phasesMs), ['power-on', 'dhcp', 'tftp', 'ipxe-dhcp', 'script', 'kernel', 'boot', 'agent', 'image', 'callback', 'reboot', 'disk-boot']);
  t.same(Object.keys(s.phasesMs['image']!), ['p50', 'p95', 'max']);
  t.same(Object.keys(s.thresholds[0]!), ['name', 'ok', 'value']);
  t.equal(s.status, 'passed');
  t.equal(s.runDir, '/runs/x');
  t.ok(s.timeToReadyMs.p50 > 20_000 && s.timeToReadyMs.p50 <= s.timeToReadyMs.p95 && s.timeToReadyMs.p95 <= s.timeToReadyMs.max);
  const empty = jsonSummary([], '/runs/empty');
  t.equal(empty.status, 'interrupted');
  t.same(empty.timeToReadyMs, { p50: 0, p95: 0, max: 0 }, 'numbers, never null, when no node was ready');
  const text = textSummary(events, '/runs/x');
  t.match(text, /PASSED/);
  t.match(text, /nodes: 10 total, 10 ready, 0 failed/);
  t.match(text, /time-to-ready: p50 \S+ s {2}p95 \S+ s {2}max \S+ s/);
  t.match(text, /image\s+\d/);
  t.match(text, /ok {3}p95 time-to-ready/);
  const cut = textSummary(events.filter((e) => e.t < 12_000), '/runs/cut');
  t.match(cut, /INTERRUPTED/);
  t.match(cut, /unfinished by phase: (boot|agent|image) ×\d+/);
});
