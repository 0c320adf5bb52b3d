import t from 'tap';
import type { EventBody } from '../../../lab/base/event.ts';
import { faultWorldForLab } from '../../../lab/faults/build-fault-world.ts';
import { FaultController } from '../../../lab/faults/fault-controller.ts';
import { noNodeFaults } from '../../../lab/faults/fault-hooks.ts';
import { createSiteLink } from '../../../lab/net/site-link-model.ts';
import { passthroughLink } from '../../../lab/net/site-link.ts';
import { IDEAL_LINK } from '../../../lab/net/link-spec.ts';
import { FakeMachine, fakeInventory } from '../../../lab/nodes/fake/fake-machine.ts';
import { createRng } from '../../../lab/base/rng.ts';
import { Problems } from '../../../lab/base/problem.ts';
import { ManualClock } from '../net/manual-clock.ts';

t.test('a lab becomes a fault world: shaped sites, node faults, BMC faults, phases from events', async (t) => {
  const clock = new ManualClock();
  const rng = createRng(1);
  const listeners = new Set<(e: EventBody) => void>();
  const emitted: EventBody[] = [];
  const emit = (e: EventBody) => {
    emitted.push(e);
    for (const l of listeners) l(e);
  };
  const lab = {
    sites: [
      { name: 'a', link: createSiteLink('a', IDEAL_LINK, { clock, rng }) },
      { name: 'b', link: passthroughLink('b') },
    ],
    nodes: [
      { name: 'a-0', site: 'a', machine: new FakeMachine('m0', fakeInventory(0)), faults: noNodeFaults(), bmc: { id: 'bmc-a-0' } as { id: string; faults?: import('../../../lab/faults/fault-hooks.ts').BmcFaults } },
    ],
  };
  const world = faultWorldForLab(lab, {
    clock,
    rng,
    emit,
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  });
  t.same(world.sites.map((s) => s.name), ['a'], 'only sites with a link model take link faults');
  t.ok(lab.nodes[0]!.bmc.faults, 'a BMC without fault state gets one the emulators then read');
  const fc = new FaultController(world);
  const p = new Problems();
  fc.validate([{ kind: 'partition', selector: { site: 'b' } }], 'faults', p);
  t.match(p.list, [{ path: 'faults[0].selector', message: /unknown site 'b'/ }]);
  await fc.inject({ kind: 'image-corruption', when: { phase: 'image' } });
  await fc.inject({ kind: 'bmc-slow', selector: { node: 'a-0' }, params: { delay: '1s' } });
  t.equal(lab.nodes[0]!.bmc.faults!.slowMs, 1000);
  emit({ kind: 'node.phase', node: 'a-0', phase: 'image' });
  t.equal(lab.nodes[0]!.faults.corruptImage, true);
  await fc.healAll();
  t.equal(listeners.size, 0, 'phase subscription released');
  t.equal(emitted.filter((e) => e.kind === 'fault.stop').length, 2);
});
