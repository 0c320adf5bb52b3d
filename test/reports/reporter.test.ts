import t from 'tap';
import { multiplexReporters, type Reporter } from '../../reports/reporter.ts';
import { tapReporter, tapFromEvents } from '../../reports/tap-reporter.ts';
import { jsonSummary } from '../../reports/summary.ts';
import { syntheticEvents } from '../../fixtures/reports/synthetic-log.ts';
import type { FleetEvent } from '../../lab/base/event.ts';

t.test('a reporter that throws is logged and the others go on', async (t) => {
  const logs: string[] = [];
  const seen: string[] = [];
  let ended = 0;
  const bad: Reporter = {
    name: 'bad',
    onEvent() {
      throw new Error('boom');
    },
    onEnd() {
      throw new Error('end boom');
    },
  };
  const good: Reporter = { onEvent: (e) => seen.push(e.kind), onEnd: async () => void ended++ };
  const mux = multiplexReporters([bad, good, {}], (m) => logs.push(m));
  const e1 = { t: 1, kind: 'log', level: 'info', msg: 'a' } as FleetEvent;
  mux.onEvent!(e1);
  mux.onEvent!(e1);
  await mux.onEnd!(jsonSummary([], 'x'));
  t.same(seen, ['log', 'log']);
  t.equal(ended, 1);
  t.equal(logs.length, 2, 'first throw logged, then a count at the end');
  t.match(logs[0], /bad threw in onEvent \(run continues\): boom/);
  t.match(logs[1], /bad threw 3 times in total/);
});

t.test('TAP: a point per failed node and per threshold, plan at the end', async (t) => {
  const events = syntheticEvents({ nodes: 10, seed: 1, failEvery: 5 });
  const out = tapFromEvents(events, jsonSummary(events, 'dir'));
  const lines = out.trim().split('\n');
  t.equal(lines[0], 'TAP version 14');
  t.equal(lines.at(-1), '1..4');
  t.equal(lines.filter((l) => /^not ok \d+ - node .* failed in phase image$/.test(l)).length, 2);
  t.ok(lines.includes('not ok 3 - threshold: all nodes ready'));
  t.ok(lines.includes('ok 4 - threshold: p95 time-to-ready'));
  t.match(out, /code: "FLEETLAB_ERR_IMAGE_CHECKSUM"/);
});

t.test('TAP for an interrupted run without thresholds', async (t) => {
  let out = '';
  const r = tapReporter((s) => (out += s));
  await r.onEnd!({ status: 'interrupted', runDir: 'd', seed: 1, nodes: { total: 3, ready: 1, failed: 0, unfinished: 2 }, timeToReadyMs: { p50: 0, p95: 0, max: 0 }, phasesMs: {}, thresholds: [], timeScale: null, host: { saturatedMs: 0, maxLoopLagMs: 0, udpDrops: null, ownSocketDrops: null } });
  t.equal(out, 'TAP version 14\nnot ok 1 - run status: interrupted\n  ---\n  ready: 1\n  total: 3\n  ...\n1..1\n');
});
