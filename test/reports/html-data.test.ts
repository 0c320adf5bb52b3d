import t from 'tap';
import { computeMetrics } from '../../reports/metrics.ts';
import { cdfOf, htmlData, failureRows, MAX_FAILURES_LISTED } from '../../reports/html-data.ts';
import { PHASES } from '../../reports/phases.ts';
import { syntheticEvents } from '../../fixtures/reports/synthetic-log.ts';

t.test('per-node timeline round-trips through the compact encoding (within one unit)', async (t) => {
  const m = computeMetrics(syntheticEvents({ nodes: 50, seed: 3, failEvery: 7 }));
  const d = htmlData(m);
  const { unit } = d.nodes;
  t.ok(unit >= 1 && Number.isInteger(Math.log10(unit)), `unit ${unit} ms is a power of ten`);
  t.equal(d.nodes.d.length, 50 * PHASES.length);
  let worst = 0;
  m.nodes.forEach((n, i) => {
    const start = d.nodes.start[i]! * unit;
    let acc = 0;
    PHASES.forEach((p, k) => {
      const v = d.nodes.d[i * PHASES.length + k];
      if (v === null || v === undefined) {
        if (n.phases[p] !== undefined) t.fail(`${n.name} ${p} lost`);
        return;
      }
      acc += v;
      worst = Math.max(worst, Math.abs(start + acc * unit - n.phases[p]!));
    });
    t.equal(d.nodes.outcome[i], n.outcome[0]);
  });
  t.ok(worst <= unit, `worst error ${worst} ms <= ${unit} ms`);
});

t.test('CDF: at most 201 points, monotonic, 0 → 1', async (t) => {
  const c = cdfOf(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 5000));
  t.ok(c.x.length <= 201);
  t.equal(c.y[0], 0);
  t.equal(c.y.at(-1), 1);
  t.equal(c.x[0], 0);
  t.equal(c.x.at(-1), 4999);
  t.ok(c.x.every((v, i) => i === 0 || v >= c.x[i - 1]!));
  t.same(cdfOf([]), { x: [], y: [] });
});

t.test('failures list is capped and carries the last events', async (t) => {
  const m = computeMetrics(syntheticEvents({ nodes: 400, seed: 3, failEvery: 2 }));
  const f = failureRows(m);
  t.equal(f.total, 200);
  t.equal(f.rows.length, MAX_FAILURES_LISTED);
  t.match(f.rows[0]!.last.at(-2) ?? '', /node\.failed/);
  t.equal(f.rows[0]!.code, 'FLEETLAB_ERR_IMAGE_CHECKSUM');
});

t.test('fault shading: windows merged per kind, sub-windows of a flap shaded over a lighter outer band', async (t) => {
  const { faultBands } = await import('../../reports/html-data.ts');
  const bands = faultBands([
    { id: 'flap', fault: 'link-flap', start: 100, end: 1000 },
    { id: 'flap/down#1', fault: 'link-flap', start: 200, end: 300, parent: 'flap' },
    { id: 'flap/down#2', fault: 'link-flap', start: 600, end: 700, parent: 'flap' },
    { id: 'p1', fault: 'partition', start: 0, end: 50 },
    { id: 'p2', fault: 'partition', start: 40, end: 90 },
  ]);
  t.same(bands, [
    { fault: 'link-flap', intervals: [[200, 300], [600, 700]], outer: [[100, 1000]] },
    { fault: 'partition', intervals: [[0, 90]], outer: [] },
  ]);
});

t.test('fault.start targets and sub-window parents land in the metrics and the site map', async (t) => {
  const events = syntheticEvents({ nodes: 20, sites: 4, seed: 1 });
  const extra = [
    { t: 500, kind: 'fault.start', id: 'wan', fault: 'link-flap', selector: '50% sites', params: {}, targets: ['site-001'] },
    { t: 600, kind: 'fault.start', id: 'wan/down#1', fault: 'link-flap', selector: '50% sites', params: {}, targets: ['site-001'] },
    { t: 700, kind: 'fault.stop', id: 'wan/down#1', fault: 'link-flap' },
    { t: 800, kind: 'fault.start', id: 'bmc', fault: 'bmc-hang', selector: 'node', params: {}, targets: ['site-002-node-000'] },
  ] as typeof events;
  const m = computeMetrics([...events, ...extra].sort((a, b) => a.t - b.t));
  t.equal(m.faults.find((f) => f.id === 'wan/down#1')?.parent, 'wan');
  t.equal(m.faults.find((f) => f.id === 'wan')?.parent, undefined);
  t.same(m.faults.find((f) => f.id === 'wan')?.targets, ['site-001']);
  t.equal(m.faults.find((f) => f.id === 'wan')?.open, true, 'never stopped: open to the end of the log');
  const d = htmlData(m);
  const idx = (name: string) => d.sites.findIndex((s) => s.name === name);
  t.same(d.siteFaults[idx('site-001')], ['link-flap']);
  t.same(d.siteFaults[idx('site-002')], ['bmc-hang'], 'a node target marks its site');
  t.equal(d.siteFaults[idx('site-000')], undefined);
});
