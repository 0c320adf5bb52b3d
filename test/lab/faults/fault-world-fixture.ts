/**
 * A small FaultWorld for tests: `sites` sites × `perSite` nodes on FakeMachines, real link
 * models on a ManualClock, one BMC per node, events recorded, phases entered by hand.
 */
import type { EventBody, NodePhase } from '../../../lab/base/event.ts';
import { noBmcFaults, noNodeFaults } from '../../../lab/faults/fault-hooks.ts';
import type { FaultWorld, WorldTarget } from '../../../lab/faults/fault-world.ts';
import { createSiteLink } from '../../../lab/net/site-link-model.ts';
import { LINK_PRESETS } from '../../../lab/net/link-spec.ts';
import { FakeMachine, fakeInventory } from '../../../lab/nodes/fake/fake-machine.ts';
import { createRng } from '../../../lab/base/rng.ts';
import { ManualClock } from '../net/manual-clock.ts';

export interface TestWorld extends FaultWorld {
  clock: ManualClock;
  events: EventBody[];
  enterPhase(node: string, phase: NodePhase): void;
}

export function testWorld(o: { sites?: number; perSite?: number; seed?: number; target?: WorldTarget; qemuSites?: number[] } = {}): TestWorld {
  const clock = new ManualClock();
  const rng = createRng(o.seed ?? 1);
  const events: EventBody[] = [];
  const listeners = new Set<(node: string, phase: NodePhase) => void>();
  const sites = Array.from({ length: o.sites ?? 4 }, (_, i) => {
    const name = `site-${i}`;
    return { name, link: createSiteLink(name, LINK_PRESETS.dsl, { clock, rng: rng.child('net') }) };
  });
  const nodes = sites.flatMap((s, si) =>
    Array.from({ length: o.perSite ?? 2 }, (_, j) => {
      const i = si * (o.perSite ?? 2) + j;
      return { name: `${s.name}-n${j}`, site: s.name, faults: noNodeFaults(), machine: new FakeMachine(`m${i}`, fakeInventory(i)), bmc: `bmc-${i}`, tier: (o.qemuSites?.includes(si) ? 'qemu' : 'sim') as 'sim' | 'qemu' };
    }),
  );
  const bmcs = nodes.map((n) => ({ id: n.bmc, faults: noBmcFaults() }));
  return {
    nodes,
    sites,
    bmcs,
    ...(o.target ? { target: o.target } : {}),
    clock,
    rng,
    events,
    emit: (b) => events.push(b),
    onPhase(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    enterPhase(node, phase) {
      for (const l of [...listeners]) l(node, phase);
    },
  };
}

/** fault.start/stop events as compact strings with the clock time: '1000 start partition-1 site-0'. */
export function faultLog(w: TestWorld, stamped: { t: number; e: EventBody }[]): string[] {
  return stamped.flatMap(({ t, e }) =>
    e.kind === 'fault.start' ? [`${t} start ${e.id} ${(e.targets ?? ['*']).join(',')}`] : e.kind === 'fault.stop' ? [`${t} stop ${e.id}`] : [],
  );
}

/** Stamp events with the world clock as they are emitted. */
export function stampEvents(w: TestWorld): { t: number; e: EventBody }[] {
  const out: { t: number; e: EventBody }[] = [];
  const emit = w.emit;
  w.emit = (b) => {
    out.push({ t: w.clock.now(), e: b });
    emit(b);
  };
  return out;
}
