/**
 * End to end: the shipped rollout scenarios through the real CLI against the reference target,
 * asserted from run.json (wave decisions, node images) and exit codes.
 */
import t from 'tap';
import { fleetlab } from '../../helpers/cli.ts';
import { decisions, readRun } from '../../helpers/run-json.ts';

t.test('rollout-bad-image: halts in the canary or first wave and rolls back; exit 0', async (t) => {
  const out = t.testdir();
  const r = await fleetlab(['run', 'scenarios/rollout-bad-image.ts', '--param', 'sites=10', '--out', out]);
  t.equal(r.code, 0, r.stderr);
  const run = readRun(out);
  const d = decisions(run);
  const halted = d.order.findIndex((w) => d.of(w).includes('halt'));
  t.ok(halted === 0 || halted === 1, `halted in wave ${d.order[halted]} (index ${halted})`);
  const wave = d.order[halted]!;
  t.same(d.of(wave), ['start', 'halt', 'rollback'], 'no done for the halted wave');
  t.equal(d.detail(wave, 'halt').codes, `HEALTH_CHECK:${d.detail(wave, 'halt').failed}`, 'halted on health-check failures');
  const rb = d.detail(wave, 'rollback');
  t.equal(rb.image, 'edge-os-1.0');
  t.ok(Number(rb.ok) >= 1 && rb.failed === 0, 'every rolled-back node healthy on edge-os-1.0');
  t.equal(d.order.length, halted + 1, 'no wave started after the halt');
  const badOn = new Set(['hw-a', 'hw-b', 'hw-c']);
  t.ok(run.nodes.every((n) => n.outcome === 'ready'), 'every node ends ready');
  t.same(run.nodes.filter((n) => n.image === 'edge-os-2.0' && badOn.has(n.profile)), [], 'no bad hardware left on 2.0');
  t.ok(run.nodes.some((n) => n.provisionings >= 3), 'a rolled-back node was provisioned three times (1.0, 2.0, 1.0)');
});

t.test('rollout-bad-image with badShare=0: every wave soaked and done, all nodes on edge-os-2.0', async (t) => {
  const out = t.testdir();
  const r = await fleetlab(['run', 'scenarios/rollout-bad-image.ts', '--param', 'sites=10', '--param', 'badShare=0', '--out', out]);
  t.equal(r.code, 0, r.stderr);
  const run = readRun(out);
  const d = decisions(run);
  t.same(d.order, ['canary', '25%', '100%']);
  for (const w of d.order) t.same(d.of(w), ['start', 'soak', 'done'], `wave ${w}: start, soak, done`);
  t.equal(run.nodes.length, 30);
  t.ok(run.nodes.every((n) => n.outcome === 'ready' && n.image === 'edge-os-2.0'), 'every node ready on 2.0');
});

t.test('rollout-bad-image exits 99 (thresholds failed) when the rollout does not halt (no failure budget)', async (t) => {
  const out = t.testdir();
  const r = await fleetlab(['run', 'scenarios/rollout-bad-image.ts', '--param', 'sites=4', '--param', 'maxFailureRate=1', '--param', 'soakMs=0', '--param', 'waves=canary:1 site,100%', '--out', out]);
  t.equal(r.code, 99, 'a rollout that spreads a bad image fails its thresholds');
  const run = readRun(out);
  t.match(run.thresholds.find((x) => x.name === 'rollout halted in the canary or first wave'), { ok: false });
  t.notOk(run.waves.some((w) => w.decision === 'halt'));
  t.ok(run.waves.some((w) => w.decision === 'rollback' && /repair=true/.test(w.detail ?? '')), 'failed nodes were repaired onto 1.0');
});

t.test('--dry-run shows the waves without starting anything', async (t) => {
  const r = await fleetlab(['run', 'scenarios/rollout-fleet.ts', '--param', 'sites=500', '--dry-run']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /rollout waves: 4 waves, 500 nodes/);
  t.match(r.stdout, /wave canary: 1 sites, 1 nodes \(cumulative 1\)/);
  t.match(r.stdout, /wave 1%: 4 sites/);
  t.match(r.stdout, /wave 10%: 45 sites/);
  t.match(r.stdout, /wave 100%: 450 sites, 450 nodes \(cumulative 500\)/);
  t.match(r.stdout, /links: .*metro-fiber|links: .*500mbit/);
  const bad = await fleetlab(['run', 'scenarios/rollout-bad-image.ts', '--param', 'waves=canary:1 site,50%,10%', '--dry-run']);
  t.equal(bad.code, 2, 'bad waves are bad input');
  t.match(bad.stderr, /rollout\.waves\[2\]: percentages are cumulative/);
});

t.test('rollout-fleet at CI scale: canary, 10 %, 100 % done, every node on edge-os-1.1', async (t) => {
  const out = t.testdir();
  const r = await fleetlab(['run', 'scenarios/rollout-fleet.ts', '--param', 'sites=40', '--out', out]);
  t.equal(r.code, 0, r.stderr);
  const run = readRun(out);
  const d = decisions(run);
  t.same(d.order, ['canary', '10%', '100%'], '1 % of 40 sites is the canary itself');
  for (const w of d.order) t.match(d.of(w), ['start', 'done']);
  t.same(
    d.order.map((w) => run.waves.find((x) => x.wave === w && x.decision === 'start')!.nodes),
    [1, 3, 36],
  );
  t.ok(run.nodes.every((n) => n.image === 'edge-os-1.1'));
});
