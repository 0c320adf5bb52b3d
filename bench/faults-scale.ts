/**
 * Fault controller at fleet scale (run by hand: `npx tsx bench/faults-scale.ts`): 10,000 sites ×
 * 3 nodes, a flap on 3 % of sites, BMC errors on 1 % of nodes, Jepsen-style random partitions and
 * a per-node fault triggered at a phase for every node; reports setup/heal cost and heap.
 */
import { FaultController } from '../lab/faults/fault-controller.ts';
import { noBmcFaults, noNodeFaults } from '../lab/faults/fault-hooks.ts';
import type { FaultWorld } from '../lab/faults/fault-world.ts';
import type { NodePhase } from '../lab/base/event.ts';
import { createSiteLink } from '../lab/net/site-link-model.ts';
import { LINK_PRESETS } from '../lab/net/link-spec.ts';
import { FakeMachine, fakeInventory } from '../lab/nodes/fake/fake-machine.ts';
import { realClock } from '../lab/base/clock.ts';
import { createRng } from '../lab/base/rng.ts';

const clock = realClock(0.001); // 1 modelled s = 1 real ms
const rng = createRng(1);
const listeners = new Set<(n: string, p: NodePhase) => void>();
let events = 0;
const heap0 = process.memoryUsage().heapUsed;
const sites = Array.from({ length: 10_000 }, (_, i) => ({ name: `s${i}`, link: createSiteLink(`s${i}`, LINK_PRESETS.dsl, { clock, rng }) }));
const nodes = sites.flatMap((s, si) => [0, 1, 2].map((j) => ({ name: `${s.name}-n${j}`, site: s.name, faults: noNodeFaults(), machine: new FakeMachine(`m${si * 3 + j}`, fakeInventory(si * 3 + j)), bmc: `b${si * 3 + j}` })));
const world: FaultWorld = {
  sites,
  nodes,
  bmcs: nodes.map((n) => ({ id: n.bmc, faults: noBmcFaults() })),
  clock,
  rng,
  emit: () => void events++,
  onPhase(cb) {
    listeners.add(cb);
    return () => listeners.delete(cb);
  },
};
const t0 = performance.now();
const fc = new FaultController(world);
await fc.schedule([
  { kind: 'link-flap', selector: { percentSites: 3 }, params: { period: '30s', down: '5s' } },
  { kind: 'bmc-errors', selector: { percentNodes: 1 }, params: { rate: '50%' } },
  { kind: 'partition', selector: { sites: 20 }, random: { interval: '20s' }, duration: ['5s', '15s'] },
  { kind: 'dhcp-drop', selector: 'all', when: { phase: 'dhcp' }, duration: '10s', params: { rate: '10%' } },
]);
const t1 = performance.now();
let p0 = performance.now();
for (const n of nodes) for (const l of listeners) l(n.name, 'dhcp');
const tPhase = performance.now() - p0;
await new Promise((r) => setTimeout(r, 300)); // ~300 modelled s of flapping and random partitions
const heap1 = process.memoryUsage().heapUsed;
p0 = performance.now();
await fc.healAll();
const tHeal = performance.now() - p0;
console.log(`world of 10,000 sites × 3 nodes + controller: ${((heap1 - heap0) / 1e6).toFixed(1)} MB heap`);
console.log(`schedule 4 specs: ${(t1 - t0).toFixed(1)} ms; 30,000 phase entries → per-node activations: ${tPhase.toFixed(1)} ms`);
console.log(`healAll of ${fc.windows.filter((w) => w.stop === undefined || w.stop >= 0).length} windows: ${tHeal.toFixed(1)} ms; ${events} fault events; open windows after heal: ${fc.activeIds().length}`);
