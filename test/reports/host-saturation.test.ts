/**
 * Host saturation and kernel UDP drops in the reports, from event logs with host events:
 * - saturated samples become merged windows; each phase's share of spans overlapping them;
 * - compare: a difference measured while the host was saturated is UNKNOWN ("host saturated"),
 *   never DIFFERENT/regression; the same difference on a quiet host stays DIFFERENT;
 * - UDP drops appear in --json, run.json and the text summary (and are absent when none).
 */
import t from 'tap';
import { computeMetrics } from '../../reports/metrics.ts';
import { compareRuns, saturatedShare } from '../../reports/compare-runs.ts';
import { jsonSummaryOf, textSummaryOf } from '../../reports/summary.ts';
import { runRecord } from '../../reports/run-record.ts';
import { syntheticEvents } from '../../fixtures/reports/synthetic-log.ts';
import type { FleetEvent } from '../../lab/base/event.ts';

/** host.sample events every second over the log's span; `saturatedFrom` on, they say saturated. */
function withHost(events: FleetEvent[], saturatedFrom: number | null, udp?: { rcvbufErrors: number; ownSocketDrops: number }): FleetEvent[] {
  const end = Math.max(...events.map((e) => e.t));
  const out = [...events];
  for (let t = 1000; t <= end + 1000; t += 1000) {
    const saturated = saturatedFrom !== null && t > saturatedFrom;
    out.push({ t, kind: 'host.sample', intervalMs: 1000, loopLagMeanMs: saturated ? 30 : 1, loopLagP99Ms: saturated ? 80 : 2, loopLagMaxMs: saturated ? 120 : 4, runQueueWaitPct: saturated ? 40 : 0, cpuPct: 90, runnable: saturated ? 12 : 1, cores: 2, saturated });
  }
  if (udp) out.push({ t: end, kind: 'host.udp', inErrors: udp.rcvbufErrors, rcvbufErrors: udp.rcvbufErrors, sndbufErrors: 0, ownSocketDrops: udp.ownSocketDrops });
  return out.sort((a, b) => a.t - b.t);
}

t.test('saturated samples merge into windows; phase shares count overlapping spans', async (t) => {
  const m = computeMetrics(withHost(syntheticEvents({ nodes: 20, seed: 1 }), 0));
  t.equal(m.host.windows.length, 1, 'back-to-back saturated seconds are one window');
  t.ok(m.host.saturatedMs > 0);
  t.equal(m.host.maxLoopLagMs, 120);
  t.equal(m.host.saturatedPhaseShare.image, 1, 'every image span overlapped');
  t.equal(m.host.saturatedProvisioningShare, 1);
  const quiet = computeMetrics(withHost(syntheticEvents({ nodes: 20, seed: 1 }), null));
  t.equal(quiet.host.saturatedMs, 0);
  t.same(quiet.host.saturatedPhaseShare, {});
  t.equal(saturatedShare(quiet, 'phase_ms.image'), 0);
  const legacy = computeMetrics(syntheticEvents({ nodes: 5, seed: 1 }));
  t.equal(legacy.host.samples, 0, 'a log without host events has no samples');
});

t.test('compare: a slower image while the host was saturated is UNKNOWN, on a quiet host DIFFERENT', async (t) => {
  const base = [1, 2].map((seed) => computeMetrics(withHost(syntheticEvents({ nodes: 60, seed }), null)));
  const slowQuiet = computeMetrics(withHost(syntheticEvents({ nodes: 60, seed: 3, phaseFactor: { image: 1.4 } }), null));
  const slowSaturated = computeMetrics(withHost(syntheticEvents({ nodes: 60, seed: 3, phaseFactor: { image: 1.4 } }), 0));
  const q = compareRuns(base, slowQuiet).metrics.find((x) => x.metric === 'phase_ms.image')!;
  t.equal(q.verdict, 'DIFFERENT');
  t.ok(q.regression);
  const c = compareRuns(base, slowSaturated);
  const s = c.metrics.find((x) => x.metric === 'phase_ms.image')!;
  t.equal(s.verdict, 'UNKNOWN');
  t.notOk(s.regression);
  t.match(s.reason, /^host saturated during the run \(100 % of its samples\)/);
  t.notOk(c.regressions.includes('phase_ms.image'), 'not a regression');
  // A saturated baseline counts too: tonight quiet, last week's run saturated.
  const satBase = [computeMetrics(withHost(syntheticEvents({ nodes: 60, seed: 1 }), 0)), base[1]!];
  t.equal(compareRuns(satBase, slowQuiet).metrics.find((x) => x.metric === 'phase_ms.image')!.verdict, 'UNKNOWN');
});

t.test('UDP drops and saturation are reported in --json, run.json and the summary', async (t) => {
  const m = computeMetrics(withHost(syntheticEvents({ nodes: 10, seed: 4 }), 2000, { rcvbufErrors: 37, ownSocketDrops: 12 }));
  const j = jsonSummaryOf(m, 'dir');
  t.equal(j.host.udpDrops, 37);
  t.equal(j.host.ownSocketDrops, 12);
  t.ok(j.host.saturatedMs > 0);
  t.equal(j.nodes.unfinished, m.counts.unfinished);
  t.equal(runRecord(m, 'dir').host.udp?.rcvbufErrors, 37);
  const text = textSummaryOf(m, 'dir');
  t.match(text, /host dropped 37 UDP datagram\(s\) \(receive buffers full; 12 on fleetlab's own sockets\)/);
  t.match(text, /host saturated for /);
  const clean = textSummaryOf(computeMetrics(withHost(syntheticEvents({ nodes: 10, seed: 4 }), null, { rcvbufErrors: 0, ownSocketDrops: 0 })), 'dir');
  t.notMatch(clean, /host dropped|host saturated/, 'nothing to say, nothing said');
});
