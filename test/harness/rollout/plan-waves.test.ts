/** Wave planning: explicit and generated waves, cumulative percentages, label selection, seeding, problems with paths. */
import t from 'tap';
import { planWaves, describeWaves } from '../../../harness/rollout/plan-waves.ts';
import { generateWaves, parseWaves } from '../../../harness/rollout/wave-spec.ts';
import { Problems } from '../../../lab/base/problem.ts';
import type { PlanLab } from '../../../harness/scenario.ts';

/** n sites × k nodes; region alternates eu/us, link alternates dsl/lte, profiles alternate per node. */
function lab(n: number, k = 1): PlanLab {
  return {
    sites: Array.from({ length: n }, (_, i) => {
      const name = `site-${String(i).padStart(3, '0')}`;
      const labels = { site: name, region: i % 2 ? 'us' : 'eu', link: i % 3 ? 'dsl' : 'lte' };
      return { name, labels, nodes: Array.from({ length: k }, (_, j) => ({ name: `${name}-n${j}`, site: name, profile: j % 2 ? 'hw-b' : 'hw-a', labels: { ...labels, profile: j % 2 ? 'hw-b' : 'hw-a' } })) };
    }),
  };
}

t.test('canary then cumulative percentages; every site in exactly one wave', async (t) => {
  const w = planWaves(lab(200), { waves: ['canary:1 site', '5%', '25%', '100%'], seed: 7 });
  t.same(w.map((x) => x.name), ['canary', '5%', '25%', '100%']);
  t.same(w.map((x) => x.sites.length), [1, 9, 40, 150], '5 % of 200 = 10 cumulative, 25 % = 50, 100 % = 200');
  const all = w.flatMap((x) => x.sites);
  t.equal(new Set(all).size, 200, 'no site twice, none left out');
});

t.test('the same seed gives the same canary, another seed another order', async (t) => {
  const a = planWaves(lab(100), { waves: ['canary:1 site', '100%'], seed: 1 });
  const b = planWaves(lab(100), { waves: ['canary:1 site', '100%'], seed: 1 });
  const c = planWaves(lab(100), { waves: ['canary:1 site', '100%'], seed: 2 });
  t.same(a, b);
  t.not(a[1]!.sites.join(), c[1]!.sites.join());
});

t.test('generated waves: canary, first percent, times factor, 100 %', async (t) => {
  const p = new Problems();
  t.same(generateWaves({}, 'w', p), ['canary:1 site', '1%', '10%', '100%']);
  t.same(generateWaves({ canarySites: 2, firstPercent: 5, factor: 4 }, 'w', p), ['canary:2 sites', '5%', '20%', '80%', '100%']);
  t.ok(p.ok);
  const w = planWaves(lab(1000), { waves: { canarySites: 1 }, seed: 1 });
  t.same(w.map((x) => x.sites.length), [1, 9, 90, 900]);
});

t.test('selection by site labels (region, link) and node labels (hardware profile)', async (t) => {
  const eu = planWaves(lab(20), { waves: ['100%'], select: { region: 'eu' }, seed: 1 });
  t.equal(eu[0]!.sites.length, 10);
  t.ok(eu[0]!.sites.every((s) => Number(s.slice(5)) % 2 === 0), 'only eu sites');
  const lte = planWaves(lab(20), { waves: [{ name: 'lte-first', sites: 3, select: { link: 'lte' } }, '100%'], seed: 1 });
  t.equal(lte[0]!.name, 'lte-first');
  t.ok(lte[0]!.sites.every((s) => Number(s.slice(5)) % 3 === 0), 'the canary wave takes lte sites');
  t.equal(lte[1]!.sites.length, 17, 'the rest follow');
  const hw = planWaves(lab(4, 4), { waves: ['100%'], select: { profile: 'hw-b' }, seed: 1 });
  t.equal(hw[0]!.nodes.length, 8, 'only hw-b nodes of each site');
  t.ok(hw[0]!.nodes.every((n) => /-n[13]$/.test(n)));
});

t.test('bad wave specs: every problem with its path (FLEETLAB_ERR_SCENARIO_INVALID)', async (t) => {
  {
    const e = caught(() => planWaves(lab(3), { waves: ['canary:0 sites', '50%', '20%', 'lots', { sites: 1, percent: 5 }, '150%'], seed: 1 }));
    t.equal(e.code, 'FLEETLAB_ERR_SCENARIO_INVALID');
    t.match(e.message, /rollout\.waves\[0\]: expected a site count >= 1/);
    t.match(e.message, /rollout\.waves\[2\]: percentages are cumulative and must not decrease \(20% after 50%\)/);
    t.match(e.message, /rollout\.waves\[3\]: expected 'N sites', 'N%'/);
    t.match(e.message, /rollout\.waves\[4\]: expected exactly one of 'sites' or 'percent'/);
    t.match(e.message, /rollout\.waves\[5\]: expected a percentage in \(0, 100\]/);
  }
  const p = new Problems();
  parseWaves({ factor: 1 }, 'rollout.waves', p);
  t.match(p.list[0], { path: 'rollout.waves.factor' });
});

t.test('empty waves are dropped; describeWaves shows sizes and cumulative nodes', async (t) => {
  const w = planWaves(lab(10, 2), { waves: ['canary:1 site', '1%', '100%'], seed: 3 });
  t.same(w.map((x) => x.name), ['canary', '100%'], '1 % of 10 sites is already covered by the canary');
  const lines = describeWaves(w);
  t.match(lines[0], 'rollout waves: 2 waves, 20 nodes');
  t.match(lines[1], /wave canary: 1 sites, 2 nodes \(cumulative 2\)/);
  t.match(lines[2], /wave 100%: 9 sites, 18 nodes \(cumulative 20\) — .*… \+4/);
});

function caught(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected a throw');
}
