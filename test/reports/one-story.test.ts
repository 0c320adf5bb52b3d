/**
 * Issue 20 item 6, "one story per node", at the reports' level: hand-made logs of the sequences
 * that made the rollout and the reports disagree, each asserted through RunMetrics and the
 * artefacts built from it (run.json counts, --json, junit.xml, report.html's tally).
 */
import t from 'tap';
import { computeMetrics } from '../../reports/metrics.ts';
import { jsonSummaryOf, textSummaryOf } from '../../reports/summary.ts';
import { runJunit } from '../../reports/junit.ts';
import { htmlReport } from '../../reports/html-report.ts';
import type { EventBody, FleetEvent } from '../../lab/base/event.ts';

const ev = (t: number, body: EventBody): FleetEvent => ({ ...body, t }) as FleetEvent;
const start = (nodes: number) => ev(0, { kind: 'run.start', runId: 'r1', scenario: 'story', seed: 1, wallStart: '2026-12-07T00:00:00Z', testbed: { tier: 'sim', machine: 'm', scale: nodes }, nodes, sites: 1, params: {}, target: 'reference', versions: {} });
const info = (node: string) => ev(1, { kind: 'node.info', node, site: 's1', profile: 'p', macs: [], bmc: `bmc-${node}` });
const TIMEOUT = 'FLEETLAB_ERR_NODE_TIMEOUT';
const boot = (node: string, t0: number, phases: ('power-on' | 'dhcp' | 'image' | 'disk-boot')[] = ['power-on', 'dhcp', 'image', 'disk-boot']) => phases.map((phase, i) => ev(t0 + i * 100, { kind: 'node.phase', node, phase }));
const junitCounts = (xml: string) => {
  const m = /<testsuites[^>]* failures="(\d+)" errors="(\d+)"/.exec(xml)!;
  return { failures: Number(m[1]), errors: Number(m[2]) };
};

t.test('a node given up on (NODE_TIMEOUT, abandoned) stays failed: its tail and a late node.ready change nothing', async (t) => {
  const events = [
    start(1),
    info('a'),
    ...boot('a', 100, ['power-on', 'dhcp']),
    ev(400, { kind: 'node.failed', node: 'a', phase: 'dhcp', code: TIMEOUT, message: 'not ready after 1000 ms; abandoned (powered off)', abandoned: true }),
    ev(450, { kind: 'node.phase', node: 'a', phase: 'image' }), // the abandoned deployment's tail
    ev(600, { kind: 'node.phase', node: 'a', phase: 'disk-boot' }),
    ev(700, { kind: 'node.ready', node: 'a', image: 'img' }),
    ev(800, { kind: 'run.end', status: 'failed' }),
  ];
  const m = computeMetrics(events);
  t.same(m.counts, { total: 1, ready: 0, failed: 1, unfinished: 0 });
  t.equal(m.nodes[0]!.error?.code, TIMEOUT);
  t.equal(m.timeToReady.count, 0, 'no time-to-ready sample from the tail');
  t.same(jsonSummaryOf(m, '/x').nodes, { total: 1, ready: 0, failed: 1, unfinished: 0 });
});

t.test('after an abandoned attempt a new power-on is a new provisioning (a retry or rollback can succeed)', async (t) => {
  const events = [
    start(1),
    info('a'),
    ...boot('a', 100, ['power-on', 'dhcp']),
    ev(400, { kind: 'node.failed', node: 'a', phase: 'dhcp', code: TIMEOUT, message: 'abandoned', abandoned: true }),
    ...boot('a', 1000),
    ev(1400, { kind: 'node.ready', node: 'a', image: 'img' }),
    ev(1500, { kind: 'run.end', status: 'passed' }),
  ];
  const m = computeMetrics(events);
  t.equal(m.nodes[0]!.outcome, 'ready');
  t.equal(m.nodes[0]!.provisionings, 2);
  t.same(m.timeToReady.samples, [400]);
});

t.test('an unfinished node keeps the NODE_TIMEOUT of the attempt before; --json has unfinished', async (t) => {
  const events = [
    start(2),
    info('a'),
    info('b'),
    ...boot('a', 100, ['power-on', 'dhcp']),
    ev(400, { kind: 'node.failed', node: 'a', phase: 'dhcp', code: TIMEOUT, message: 'abandoned', abandoned: true }),
    ...boot('a', 1000, ['power-on', 'dhcp']), // the log ends during this retry (SIGINT)
    ...boot('b', 100),
    ev(600, { kind: 'node.ready', node: 'b' }),
    ev(1200, { kind: 'run.end', status: 'interrupted' }),
  ];
  const m = computeMetrics(events);
  const a = m.nodes.find((n) => n.name === 'a')!;
  t.equal(a.outcome, 'unfinished');
  t.equal(a.error?.code, TIMEOUT, 'why the node is not ready is still visible');
  const j = jsonSummaryOf(m, '/x');
  t.same(j.nodes, { total: 2, ready: 1, failed: 0, unfinished: 1 });
  t.equal(j.nodes.ready + j.nodes.failed + j.nodes.unfinished, j.nodes.total);
});

t.test('ready, then failed its health check (bad image): failed, and no time-to-ready sample', async (t) => {
  const events = [
    start(2),
    info('a'),
    info('b'),
    ...boot('a', 100),
    ev(500, { kind: 'node.ready', node: 'a', image: 'bad' }),
    ev(501, { kind: 'node.failed', node: 'a', phase: 'ready', code: 'FLEETLAB_ERR_HEALTH_CHECK', message: 'a runs bad but its health probe fails' }),
    ...boot('b', 100),
    ev(700, { kind: 'node.ready', node: 'b', image: 'good' }),
    ev(800, { kind: 'run.end', status: 'failed' }),
  ];
  const m = computeMetrics(events);
  t.equal(m.nodes[0]!.outcome, 'failed');
  t.equal(m.nodes[0]!.timeToReadyMs, null);
  t.same(m.timeToReady.samples, [600], "only b's sample");
  t.same(
    m.sites.map((s) => s.timeToReady.count),
    [1],
  );
});

t.test('failure tallies say attempts and nodes, labelled', async (t) => {
  const events = [start(2), info('a'), info('b')];
  for (let k = 0; k < 3; k++) events.push(...boot('a', 100 + k * 1000, ['power-on']), ev(150 + k * 1000, { kind: 'node.failed', node: 'a', phase: 'power-on', code: 'FLEETLAB_ERR_TARGET', message: 'provision request failed' }));
  events.push(...boot('b', 100), ev(500, { kind: 'node.ready', node: 'b' }), ev(4000, { kind: 'run.end', status: 'failed' }));
  const m = computeMetrics(events.sort((x, y) => x.t - y.t));
  const text = textSummaryOf(m, '/x');
  t.match(text, /failed attempts \(3\) by code: FLEETLAB_ERR_TARGET ×3 · failed nodes \(1\) by code: FLEETLAB_ERR_TARGET ×1/);
  const html = htmlReport(m);
  t.match(html, /<h2>Failed nodes \(1\)<\/h2>/);
  t.match(html, /failed attempts \(3\) by code: <code>FLEETLAB_ERR_TARGET<\/code> ×3 · failed nodes \(1\) by code: <code>FLEETLAB_ERR_TARGET<\/code> ×1/);
});

t.test('junit.xml agrees with the exit code', async (t) => {
  const failedNode = [start(2), info('a'), info('b'), ...boot('a', 100, ['power-on']), ev(150, { kind: 'node.failed', node: 'a', phase: 'power-on', code: 'FLEETLAB_ERR_TARGET', message: 'x' }), ...boot('b', 100), ev(500, { kind: 'node.ready', node: 'b' })];
  const tolerated = [...failedNode, ev(600, { kind: 'expect.result', name: 'half ready', ok: true, value: 0.5, limit: '>= 0.5' }), ev(700, { kind: 'run.end', status: 'passed' })];
  const passed = runJunit(computeMetrics(tolerated));
  t.same(junitCounts(passed), { failures: 0, errors: 0 }, 'a node failed within tolerance: the run passed, so no JUnit failure');
  t.match(passed, /<testcase classname="story.nodes" name="a"[^>]*>\s*<system-out>a \(site s1\) failed in phase power-on: FLEETLAB_ERR_TARGET: x \(within the thresholds&apos; tolerance/);

  const failed = runJunit(computeMetrics([...failedNode, ev(700, { kind: 'run.end', status: 'failed' })]));
  t.same(junitCounts(failed), { failures: 1, errors: 0 }, 'the same node in a failed run is a failure');

  const stepThrew = runJunit(computeMetrics([start(1), info('b'), ...boot('b', 100), ev(500, { kind: 'node.ready', node: 'b' }), ev(600, { kind: 'run.end', status: 'failed', reason: 'step "x" failed: boom' })]));
  t.same(junitCounts(stepThrew), { failures: 1, errors: 0 }, 'a failed run with no failed node or threshold still fails in JUnit');
  t.match(stepThrew, /name="run status"[^>]*>\s*<failure type="run" message="run failed: step &quot;x&quot; failed: boom"/);
});
