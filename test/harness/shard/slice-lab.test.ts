/**
 * Sharding determinism on the resolved run (prepareRun, as `fleetlab run --shard` calls it): the
 * shards of a run partition its sites and nodes, and every node keeps its name, MACs, UUID, site
 * subnet/relay/pool, BMC id and IPMI address and hardware profile (drawn from a mix), and its site
 * its WAN link profile; the same seed gives the same split every time.
 */
import t from 'tap';
import fc from 'fast-check';
import { prepareRun, type PreparedRun } from '../../../harness/run/prepare-run.ts';
import type { ResolvedNode, ResolvedSite } from '../../../lab/config/lab-spec.ts';

const FILE = 'scenarios/provision.ts';

function prepare(sites: number, nodesPerSite: number, seed: number, shard?: { index: number; count: number }): Promise<PreparedRun> {
  return prepareRun({ file: FILE, params: { sites: String(sites), nodesPerSite: String(nodesPerSite), profile: 'mixed', link: 'dsl' }, targetOptions: {}, seed, ...(shard ? { shard } : {}) });
}

const nodeId = (n: ResolvedNode) => ({ name: n.name, site: n.site, macs: n.macs, uuid: n.uuid, bmc: n.bmc, profile: n.profile.name });
const siteId = (s: ResolvedSite) => ({ name: s.name, subnet: s.subnet, relay: s.relay, poolStart: s.poolStart, poolEnd: s.poolEnd });

t.test('shards partition the run; every node and site is identical to the unsharded one', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), async (sites, perSite, count, seed) => {
      fc.pre(count <= sites);
      const whole = await prepare(sites, perSite, seed);
      const parts = await Promise.all(Array.from({ length: count }, (_, k) => prepare(sites, perSite, seed, { index: k + 1, count })));
      const nodes = parts.flatMap((p) => p.lab.nodes).sort((a, b) => a.index - b.index);
      t.same(nodes.map(nodeId), whole.lab.nodes.map(nodeId), 'union of shard nodes = unsharded nodes, field by field');
      t.same(parts.flatMap((p) => p.lab.sites).sort((a, b) => a.index - b.index).map(siteId), whole.lab.sites.map(siteId), 'sites too');
      for (const p of parts) {
        t.same(p.shard, { spec: p.shard!.spec, totalNodes: whole.lab.nodes.length, totalSites: sites });
        for (const s of p.lab.sites) t.same(p.links.profiles.get(s.name), whole.links.profiles.get(s.name), `link of ${s.name}`);
      }
    }),
    { numRuns: 15 },
  );
});

t.test('same seed, same split; a site goes to shard index % N + 1', async (t) => {
  const a = await prepare(7, 2, 42, { index: 2, count: 3 });
  const b = await prepare(7, 2, 42, { index: 2, count: 3 });
  t.same(a.lab.nodes.map(nodeId), b.lab.nodes.map(nodeId));
  t.same(a.lab.sites.map((s) => s.index), [1, 4]);
});

t.test('more shards than sites: exit-2 problem naming the shard', async (t) => {
  await t.rejects(prepare(2, 1, 1, { index: 3, count: 3 }), { code: 'FLEETLAB_ERR_SCENARIO_INVALID', message: /shard: shard 3\/3 gets no site: the lab has 2 site\(s\) for 3 shards/ });
});
