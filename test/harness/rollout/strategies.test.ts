/**
 * End to end: blue-green and A/B rollouts and a custom halt predicate, as a user writes them in
 * their own scenario file (importing the public API), run through the real CLI.
 */
import t from 'tap';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fleetlab, API } from '../../helpers/cli.ts';
import { decisions, readRun } from '../../helpers/run-json.ts';

function scenarioFile(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleetlab-rollout-'));
  writeFileSync(join(dir, 'package.json'), '{"type": "module"}');
  const file = join(dir, 'scenario.ts');
  writeFileSync(file, `import { defineScenario, rollout, withDefects } from '${API}';\n${body}`);
  return file;
}

t.test('blue-green: green provisioned and verified, switch, blue retired', async (t) => {
  const file = scenarioFile(`
export default defineScenario({
  name: 'bg',
  lab: { sites: 2, nodesPerSite: 4, timeScale: 0.01, bmc: { ipmi: false } },
  async run(ctx) {
    const { lab, target, expect } = ctx;
    await target.enroll(lab.nodes);
    const v1 = target.image('os-1', 1e6);
    const blue = lab.sites.flatMap((s) => s.nodes.slice(0, 2));
    await target.provision(blue, v1);
    await lab.waitReady(blue, { since: 0 });
    const r = await rollout(ctx, { image: target.image('os-2', 1e6), previous: v1, waves: ['canary:1 site', '100%'], strategy: 'blue-green' });
    const serving = lab.nodes.filter((n) => n.power() === 'on');
    expect.check('completed', r.status === 'completed', null, '');
    expect.check('green serves os-2', serving.length === 4 && serving.every((n) => n.diskImage() === 'os-2' && !blue.includes(n)), serving.length, '4 green nodes');
  },
});`);
  const out = t.testdir();
  const r = await fleetlab(['run', file, '--out', out]);
  t.equal(r.code, 0, r.stderr);
  const d = decisions(readRun(out));
  t.same(d.order, ['canary', '100%']);
  for (const w of d.order) t.same(d.of(w), ['start', 'switch', 'done']);
  t.match(d.detail('canary', 'switch'), { green: 2, retired: 2 });
});

t.test('blue-green with a bad image: no switch, green retired, blue keeps serving', async (t) => {
  const file = scenarioFile(`
export default defineScenario({
  name: 'bg-bad',
  lab: { sites: 1, nodesPerSite: 4, timeScale: 0.01, bmc: { ipmi: false } },
  async run(ctx) {
    const { lab, target, expect } = ctx;
    await target.enroll(lab.nodes);
    const v1 = target.image('os-1', 1e6);
    const blue = lab.nodes.slice(0, 2);
    await target.provision(blue, v1);
    await lab.waitReady(blue, { since: 0 });
    const bad = withDefects(target.image('os-2', 1e6), { badOn: ['generic-uefi'] });
    const r = await rollout(ctx, { image: bad, previous: v1, waves: ['100%'], strategy: 'blue-green' });
    expect.check('halted', r.status === 'halted', null, '');
    expect.check('blue still serves os-1', blue.every((n) => n.power() === 'on' && n.diskImage() === 'os-1'), null, '');
    expect.check('green retired', lab.nodes.slice(2).every((n) => n.power() === 'off'), null, '');
  },
});`);
  const out = t.testdir();
  const r = await fleetlab(['run', file, '--out', out]);
  t.equal(r.code, 0, r.stderr);
  const d = decisions(readRun(out));
  t.same(d.of('100%'), ['start', 'halt', 'rollback']);
  t.match(d.detail('100%', 'rollback'), { retired: 2, serving: 2 });
});

t.test('A/B: cohorts on two images, compared per wave; a custom predicate halts', async (t) => {
  const file = scenarioFile(`
export default defineScenario({
  name: 'ab',
  lab: { sites: 4, nodesPerSite: 4, timeScale: 0.01, bmc: { ipmi: false } },
  async run(ctx) {
    const { lab, target, expect } = ctx;
    await target.enroll(lab.nodes);
    const v1 = target.image('os-1', 1e6);
    await target.provision(lab.nodes, v1);
    await lab.waitReady(lab.nodes, { since: 0 });
    const r = await rollout(ctx, {
      image: target.image('os-2a', 1e6), previous: v1,
      strategy: { kind: 'ab', b: target.image('os-2b', 1e6) },
      waves: ['canary:1 site', '50%', '100%'], maxUnavailable: '50%',
      haltWhen: { failureRate: 0, when: (w) => (w.name === '50%' ? 'operator stop after 50 %' : false) },
    });
    const a = lab.nodes.filter((n) => n.diskImage() === 'os-2a').length, b = lab.nodes.filter((n) => n.diskImage() === 'os-2b').length;
    expect.check('halted by the predicate', r.status === 'halted' && r.reason === 'operator stop after 50 %', null, '');
    expect.check('cohorts recorded', !!r.waves[0]?.cohorts && r.waves[0].cohorts.a.nodes + r.waves[0].cohorts.b.nodes === 4, null, '');
    expect.check('canary kept both images, the 50 % wave rolled back', a + b === 4 && lab.nodes.filter((n) => n.diskImage() === 'os-1').length === 12, a + b, '4');
  },
});`);
  const out = t.testdir();
  const r = await fleetlab(['run', file, '--out', out]);
  t.equal(r.code, 0, r.stderr);
  const d = decisions(readRun(out));
  t.same(d.of('canary'), ['start', 'compare', 'done']);
  t.same(d.of('50%'), ['start', 'compare', 'halt', 'rollback']);
  const c = d.detail('canary', 'compare');
  t.equal(c.A, 'os-2a');
  t.equal(c.B, 'os-2b');
  t.equal(Number(c['a.ok']) + Number(c['b.ok']), 4);
  t.match(readRun(out).waves.find((w) => w.decision === 'halt')?.detail, /reason="operator stop after 50 %"/);
});

t.test('soak: a node that goes down while the wave soaks halts the rollout', async (t) => {
  const file = scenarioFile(`
export default defineScenario({
  name: 'soak',
  lab: { sites: 3, nodesPerSite: 2, timeScale: 0.01, bmc: { ipmi: false } },
  async run(ctx) {
    const { lab, target, expect, events } = ctx;
    await target.enroll(lab.nodes);
    const v1 = target.image('os-1', 1e6);
    await target.provision(lab.nodes, v1);
    await lab.waitReady(lab.nodes, { since: 0 });
    // The canary site's first node crashes (powers off) during the soak.
    events.on('wave.decision', (e) => {
      if (e.decision === 'soak' && e.wave === 'canary') {
        const site = lab.sites.find((s) => s.nodes.some((n) => n.diskImage() === 'os-2'));
        void lab.power([site.nodes[0]], 'off');
      }
    });
    const r = await rollout(ctx, { image: target.image('os-2', 1e6), previous: v1, waves: ['canary:1 site', '100%'], soak: 10 * 60_000 });
    expect.check('halted in the canary', r.status === 'halted' && r.haltedWave === 'canary', null, '');
    expect.check('no node left on os-2', lab.nodes.every((n) => n.diskImage() === 'os-1'), null, '');
  },
});`);
  const out = t.testdir();
  const r = await fleetlab(['run', file, '--out', out]);
  t.equal(r.code, 0, r.stderr);
  const run = readRun(out);
  const d = decisions(run);
  t.same(d.order, ['canary']);
  t.same(d.of('canary'), ['start', 'soak', 'halt', 'rollback']);
  t.match(d.detail('canary', 'halt'), { failed: 1, codes: 'HEALTH_CHECK:1' });
  t.match(d.detail('canary', 'rollback'), { image: 'os-1', ok: 2, failed: 0 }, 'both canary nodes back on os-1, the crashed one too');
  t.equal(run.waves.find((w) => w.decision === 'rollback')?.nodes, 2);
});
