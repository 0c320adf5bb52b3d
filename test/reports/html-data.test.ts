import t from 'tap';
import { computeMetrics } from '../../reports/metrics.ts';
import { cdfOf, htmlData, failureRows, MAX_FAILURES_LISTED } from '../../reports/html-data.ts';
import { PHASES } from '../../reports/phases.ts';
import { syntheticEvents } from './synthetic-log.ts';

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
