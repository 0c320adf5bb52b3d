import t from 'tap';
import { computeMetrics, niceBucketMs } from '../../reports/metrics.ts';
import { syntheticEvents, BASE_PHASE_MS } from '../../fixtures/reports/synthetic-log.ts';
import type { EventBody, FleetEvent } from '../../lab/base/event.ts';

const ev = (t: number, body: EventBody): FleetEvent => ({ ...body, t }) as FleetEvent;
const start = ev(0, { kind: 'run.start', runId: 'r1', scenario: 'hand', seed: 7, wallStart: '2026-11-27T00:00:00Z', testbed: { tier: 'sim', machine: 'm', scale: 2 }, nodes: 2, sites: 1, params: { a: 1 }, target: 'reference', versions: { fleetlab: '0.1.0' } });

t.test('hand-made log: phase durations, time-to-ready, retries, outcome', async (t) => {
  const events: FleetEvent[] = [
    start,
    ev(1, { kind: 'node.info', node: 'a', site: 's1', profile: 'p', macs: [], bmc: 'bmc-a' }),
    ev(1, { kind: 'node.info', node: 'b', site: 's1', profile: 'p', macs: [], bmc: 'bmc-b' }),
    ev(5, { kind: 'bmc.request', bmc: 'bmc-a', proto: 'redfish', op: 'reset', status: 204, ms: 10 }),
    ev(6, { kind: 'bmc.request', bmc: 'bmc-b', proto: 'ipmi', op: 'chassis', status: 0xc0, ms: 30 }),
    ev(100, { kind: 'node.phase', node: 'a', phase: 'power-on' }),
    ev(1100, { kind: 'node.phase', node: 'a', phase: 'dhcp' }),
    ev(1200, { kind: 'dhcp.ack', node: 'a', site: 's1', stage: 'pxe', ip: '127.20.0.10', ms: 100 }),
    ev(1300, { kind: 'node.phase', node: 'a', phase: 'dhcp', attempt: 2 }),
    ev(1500, { kind: 'node.phase', node: 'a', phase: 'tftp' }),
    ev(2000, { kind: 'node.phase', node: 'a', phase: 'disk-boot' }),
    ev(3000, { kind: 'node.phase', node: 'a', phase: 'ready' }),
    ev(3000, { kind: 'node.ready', node: 'a', image: 'img1' }),
    ev(3001, { kind: 'node.phase', node: 'a', phase: 'ready' }), // stray marker after ready: not a new provisioning
    ev(200, { kind: 'node.phase', node: 'b', phase: 'power-on' }),
    ev(700, { kind: 'node.phase', node: 'b', phase: 'image' }),
    ev(900, { kind: 'node.failed', node: 'b', phase: 'image', code: 'FLEETLAB_ERR_DISK_WRITE', message: 'disk write failed at 4 MB' }),
    ev(950, { kind: 'fault.start', id: 'f1', fault: 'wan-loss', selector: 'site=s1', params: { loss: 0.1 } }),
    ev(1950, { kind: 'fault.stop', id: 'f1', fault: 'wan-loss' }),
    ev(3100, { kind: 'expect.result', name: 'all ready', ok: false, value: 0.5, limit: '== 1' }),
    ev(3200, { kind: 'run.end', status: 'failed' }),
  ].sort((x, y) => x.t - y.t);
  const m = computeMetrics(events);
  t.equal(m.status, 'failed');
  t.equal(m.durationMs, 3200);
  t.same(m.counts, { total: 2, ready: 1, failed: 1, unfinished: 0 });
  const a = m.nodes.find((n) => n.name === 'a')!;
  t.equal(a.outcome, 'ready');
  t.equal(a.timeToReadyMs, 2900, 'first power-on (100) → node.ready (3000)');
  t.equal(a.retries, 1, 'dhcp re-entered once');
  t.same(a.phases, { 'power-on': 100, dhcp: 1100, tftp: 1500, 'disk-boot': 2000, ready: 3000 });
  t.same(a.phaseMs, { 'power-on': 1000, dhcp: 400, tftp: 500, 'disk-boot': 1000 });
  t.equal(a.image, 'img1');
  t.equal(a.provisionings, 1);
  const b = m.nodes.find((n) => n.name === 'b')!;
  t.equal(b.outcome, 'failed');
  t.same(b.error, { phase: 'image', code: 'FLEETLAB_ERR_DISK_WRITE', message: 'disk write failed at 4 MB', t: 900 });
  t.equal(b.timeToReadyMs, null);
  t.same(m.phases['dhcp']?.samples, [400], 'dhcp retry is one longer sample for the provisioning');
  t.same([...(m.phases['power-on']?.samples ?? [])].sort((x, y) => x - y), [500, 1000]);
  t.equal(m.phases['image']?.count, 0);
  t.equal(m.phases['image']?.errors, 1, 'the failed phase is an error, not a duration sample');
  t.same(m.timeToReady.samples, [2900]);
  t.same(m.errorCodes, { FLEETLAB_ERR_DISK_WRITE: 1 });
  t.equal(m.latency.bmc.count, 1);
  t.equal(m.latency.bmc.errors, 1, 'IPMI completion 0xc0 is an error');
  t.equal(m.latency.bmcByProto['redfish']?.p50, 10);
  t.same(m.faults, [{ id: 'f1', fault: 'wan-loss', selector: 'site=s1', params: { loss: 0.1 }, start: 950, end: 1950, open: false }]);
  t.same(m.thresholds, [{ name: 'all ready', ok: false, value: 0.5, limit: '== 1' }]);
  t.equal(m.sites.length, 1);
  t.equal(m.sites[0]!.timeToReady.p50, 2900);
  t.ok(m.lastEvents['b']?.some((e) => e.kind === 'node.failed'), 'failed node keeps its last events');
  t.ok(m.lastEvents['b']?.some((e) => e.kind === 'bmc.request'), 'BMC requests are attributed to the node via node.info');
  t.equal(m.lastEvents['a'], undefined, 'ready nodes need no failure context');
});

t.test('a node provisioned twice (rollout) gives two time-to-ready samples; run.json shows the last', async (t) => {
  const events: FleetEvent[] = [
    start,
    ev(10, { kind: 'node.phase', node: 'a', phase: 'power-on' }),
    ev(1010, { kind: 'node.ready', node: 'a', image: 'v1' }),
    ev(2000, { kind: 'node.phase', node: 'a', phase: 'power-on' }),
    ev(2500, { kind: 'node.phase', node: 'a', phase: 'image' }),
    ev(4000, { kind: 'node.ready', node: 'a', image: 'v2' }),
    ev(4100, { kind: 'run.end', status: 'passed' }),
  ];
  const m = computeMetrics(events);
  t.same(m.timeToReady.samples, [1000, 2000]);
  const a = m.nodes[0]!;
  t.equal(a.provisionings, 2);
  t.equal(a.image, 'v2');
  t.same(a.phases, { 'power-on': 2000, image: 2500, ready: 4000 });
});

t.test('killed run: no run.end → interrupted, open phases and unfinished nodes', async (t) => {
  const events = syntheticEvents({ nodes: 20, seed: 3, noEnd: true });
  const cut = events.filter((e) => e.t < 15_000);
  const m = computeMetrics(cut);
  t.equal(m.status, 'interrupted');
  t.equal(m.ended, false);
  t.equal(m.counts.total, 20);
  t.equal(m.counts.ready, 0);
  t.equal(m.counts.unfinished, 20);
  t.ok(m.spans.some((s) => s.end === 'open'), 'phases still running at the cut are open spans');
  t.ok((m.phases['power-on']?.count ?? 0) === 20, 'completed phases of unfinished nodes still count');
  t.equal(m.timeToReady.count, 0);
});

t.test('synthetic fleet: rates add up and stats match the generator', async (t) => {
  const events = syntheticEvents({ nodes: 200, seed: 5, failEvery: 10, retryEvery: 20 });
  const m = computeMetrics(events);
  t.same(m.counts, { total: 200, ready: 180, failed: 20, unfinished: 0 });
  t.equal(m.status, 'failed');
  t.equal(m.timeToReady.count, 180);
  const bucketS = m.rates.bucketMs / 1000;
  const acks = events.filter((e) => e.kind === 'dhcp.ack').length;
  t.equal(Math.round(m.rates.dhcpPerSec.reduce((x, y) => x + y, 0) * bucketS), acks, 'DHCP/s integrates to the number of ACKs');
  const httpBytes = events.reduce((s, e) => s + (e.kind === 'http.done' ? e.bytes : 0), 0);
  t.ok(Math.abs(m.rates.httpMBps.reduce((x, y) => x + y, 0) * bucketS * 1e6 - httpBytes) < 1, 'HTTP MB/s integrates to the bytes fetched');
  t.equal(m.rates.readyPerMin.reduce((x, y) => x + y, 0) * (m.rates.bucketMs / 60_000), 180);
  t.equal(m.rates.inFlight.at(-1), 0, 'every node ended');
  t.equal(Math.max(...m.rates.inFlight) > 50, true, 'many nodes in flight at the peak');
  const img = m.phases['image']!;
  t.ok(Math.abs(img.p50 - BASE_PHASE_MS.image) < 0.05 * BASE_PHASE_MS.image, `image p50 ${img.p50} near ${BASE_PHASE_MS.image}`);
  t.equal(img.errors, 20);
  t.equal(m.retries.samples.filter((r) => r > 0).length, 10, 'every 20th node retried DHCP');
  t.equal(m.sites.length, 20);
  t.equal(m.sites.reduce((s, x) => s + x.nodes, 0), 200);
});

t.test('bucket width is a human step giving <= 120 buckets', async (t) => {
  t.equal(niceBucketMs(10_000), 100);
  t.equal(niceBucketMs(60_000), 500);
  t.equal(niceBucketMs(3_600_000), 30_000);
  t.ok(86_400_000 / niceBucketMs(86_400_000) <= 120);
});

t.test('a node late timers (lateMs) are not modelled time: subtracted from the phase they end and from time-to-ready', async (t) => {
  const scaled = { ...start, timeScale: 0.01 } as FleetEvent;
  const events: FleetEvent[] = [
    scaled,
    ev(1, { kind: 'node.phase', node: 'a', phase: 'power-on' }),
    ev(11, { kind: 'node.phase', node: 'a', phase: 'disk-boot', lateMs: 2 }),
    ev(41, { kind: 'node.ready', node: 'a', lateMs: 10 }),
    ev(50, { kind: 'run.end', status: 'passed' }),
  ];
  const m = computeMetrics(events);
  const a = m.nodes.find((n) => n.name === 'a')!;
  t.same(a.phaseMs, { 'power-on': 800, 'disk-boot': 2000 }, 'wall 10 ms − 2 ms late = 800 modelled ms; 30 − 10 = 2000');
  t.equal(a.timeToReadyMs, 2800, 'time-to-ready = the sum of its phases, lateness excluded');
  t.same(m.phases['disk-boot']?.samples, [2000]);
  const noisy = computeMetrics([scaled, ev(1, { kind: 'node.phase', node: 'b', phase: 'boot' }), ev(3, { kind: 'node.ready', node: 'b', lateMs: 50 })]);
  t.same(noisy.nodes[0]!.phaseMs, { boot: 0 }, 'never more lateness than the phase lasted');
});
