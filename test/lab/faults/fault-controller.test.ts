import t from 'tap';
import { FaultController } from '../../../lab/faults/fault-controller.ts';
import { FAULT_KINDS } from '../../../lab/faults/fault-registry.ts';
import { Problems } from '../../../lab/base/problem.ts';
import { faultLog, stampEvents, testWorld } from './fault-world-fixture.ts';

t.test('validation reports every problem with its path, and nothing starts', async (t) => {
  const w = testWorld();
  const fc = new FaultController(w);
  const p = new Problems();
  fc.validate(
    [
      { kind: 'meteor', selector: 'all' },
      { kind: 'partition', selector: { site: 'site-99' }, params: { direction: 'sideways' } },
      { kind: 'link-flap', selector: { percentSites: 150 }, params: {} },
      { kind: 'dhcp-drop', every: '10s' },
      { kind: 'bmc-slow', params: { delay: 5 }, duraton: '1s' },
      { kind: 'target-kill' },
      { kind: 'power-loss', when: { phase: 'imaging', node: 'nobody' } },
    ],
    'faults',
    p,
  );
  const paths = p.list.map((x) => x.path);
  t.same(paths.sort(), [
    'faults[0].kind',
    'faults[1].params.direction',
    'faults[1].selector',
    'faults[2].params.period',
    'faults[2].selector.percentSites',
    'faults[3].duration',
    'faults[4].duraton',
    'faults[5].kind',
    'faults[6].when.node',
    'faults[6].when.phase',
  ].sort());
  t.match(p.list.find((x) => x.path === 'faults[1].selector')?.message, /unknown site 'site-99'/);
  t.match(p.list.find((x) => x.path === 'faults[5].kind')?.message, /not started by fleetlab/);
  await t.rejects(fc.inject({ kind: 'partition', selector: 'nowhere' }), { code: 'FLEETLAB_ERR_SCENARIO_INVALID', message: /fault\.selector: 'nowhere' is neither/ });
  t.same(w.events, []);
});

t.test('every kind is registered once', async (t) => {
  t.same([...FAULT_KINDS].sort(), [
    'bmc-auth-failure', 'bmc-errors', 'bmc-hang', 'bmc-slow', 'connection-reset', 'dhcp-drop', 'disk-write-failure',
    'http-cut', 'image-corruption', 'link-degrade', 'link-flap', 'loss-burst', 'partition', 'power-loss', 'target-kill', 'tftp-drop',
  ]);
});

t.test('at + duration: one window, start/stop events, state restored', async (t) => {
  const w = testWorld();
  const log = stampEvents(w);
  const fc = new FaultController(w);
  const id = await fc.inject({ kind: 'partition', selector: { site: 'site-1' }, at: '10s', duration: '30s', params: { direction: 'up' } });
  t.equal(id, 'partition-1');
  await w.clock.run(9_999);
  t.equal(w.sites[1]!.link.partitioned, false);
  await w.clock.run(1);
  t.equal(w.sites[1]!.link.profile.partition, 'up');
  t.equal(w.sites[0]!.link.partitioned, false, 'only the selected site');
  await w.clock.run(30_000);
  t.equal(w.sites[1]!.link.partitioned, false);
  t.same(faultLog(w, log), ['10000 start partition-1 site-1', '40000 stop partition-1']);
  t.match(fc.windows, [{ id: 'partition-1', kind: 'partition', targets: ['site-1'], start: 10_000, stop: 40_000 }]);
});

t.test('every T for D, count-limited', async (t) => {
  const w = testWorld();
  const log = stampEvents(w);
  const fc = new FaultController(w);
  await fc.inject({ id: 'blip', kind: 'loss-burst', selector: 'site-2', every: '60s', duration: '5s', count: 3, params: { loss: '50%' } });
  await w.clock.run(300_000);
  t.same(faultLog(w, log), ['0 start blip#1 site-2', '5000 stop blip#1', '60000 start blip#2 site-2', '65000 stop blip#2', '120000 start blip#3 site-2', '125000 stop blip#3']);
  t.equal(w.clock.pending, 0, 'no timers left');
});

t.test('random (Jepsen) schedules are identical per seed and differ across seeds', async (t) => {
  const run = async (seed: number) => {
    const w = testWorld({ seed, sites: 20 });
    const log = stampEvents(w);
    const fc = new FaultController(w);
    await fc.schedule([
      { kind: 'partition', selector: { sites: 2 }, random: { interval: '30s' }, duration: ['5s', '20s'], count: 5 },
      { kind: 'bmc-errors', selector: { percentNodes: 10 }, random: { interval: ['10s', '40s'] }, duration: '3s', count: 4 },
    ]);
    await w.clock.run(1_000_000);
    await fc.healAll();
    return faultLog(w, log).map((l) => l.replace(/^(\d+(\.\d+)?)/, (m) => Math.round(Number(m)).toString()));
  };
  const a = await run(11);
  t.equal(a.filter((l) => l.includes(' start ')).length, 9, '5 + 4 windows');
  t.equal(a.filter((l) => l.includes(' stop ')).length, 9, 'each window stopped');
  t.same(await run(11), a, 'same seed, same schedule and targets');
  t.not((await run(12)).join('\n'), a.join('\n'), 'another seed, another schedule');
});

t.test('when: each selected node triggers the fault on itself at its phase', async (t) => {
  const w = testWorld();
  const fc = new FaultController(w);
  await fc.inject({ id: 'dw', kind: 'disk-write-failure', selector: { site: 'site-0' }, when: { phase: 'image' } });
  w.enterPhase('site-1-n0', 'image');
  t.equal(w.nodes[2]!.faults.diskWriteFailure, false, 'not selected');
  w.enterPhase('site-0-n1', 'agent');
  t.equal(w.nodes[1]!.faults.diskWriteFailure, false, 'other phase');
  w.enterPhase('site-0-n1', 'image');
  t.equal(w.nodes[1]!.faults.diskWriteFailure, true);
  t.equal(w.nodes[0]!.faults.diskWriteFailure, false, 'only the node that entered');
  w.enterPhase('site-0-n1', 'image');
  t.same(fc.activeIds(), ['dw#1'], 'once per node');
  await fc.healAll();
  t.equal(w.nodes[1]!.faults.diskWriteFailure, false);
});

t.test('when with a node: that node starts the fault on the selection', async (t) => {
  const w = testWorld();
  const fc = new FaultController(w);
  await fc.inject({ kind: 'partition', selector: { site: ['site-2', 'site-3'] }, when: { phase: 'kernel', node: 'site-0-n0' }, duration: '1s' });
  w.enterPhase('site-0-n1', 'kernel');
  t.equal(w.sites[2]!.link.partitioned, false);
  w.enterPhase('site-0-n0', 'kernel');
  t.equal(w.sites[2]!.link.partitioned, true);
  t.equal(w.sites[3]!.link.partitioned, true);
  await w.clock.run(1000);
  t.equal(w.sites[2]!.link.partitioned, false);
});

t.test('overlapping windows on one field stop in any order', async (t) => {
  const w = testWorld();
  const fc = new FaultController(w);
  const a = await fc.inject({ kind: 'dhcp-drop', selector: { node: 'site-0-n0' }, params: { rate: '50%' } });
  const b = await fc.inject({ kind: 'dhcp-drop', selector: { node: 'site-0-n0' }, params: { rate: '20%' } });
  const n = w.nodes[0]!;
  t.equal(n.faults.dhcpDropRate, 0.2);
  await fc.stop(a);
  t.equal(n.faults.dhcpDropRate, 0.2, 'the later window still holds');
  await fc.stop(b);
  t.equal(n.faults.dhcpDropRate, 0);
  const l1 = await fc.inject({ kind: 'link-degrade', selector: 'site-0', params: { down: '1mbit' } });
  await fc.inject({ kind: 'partition', selector: 'site-0' });
  await fc.stop(l1);
  t.equal(w.sites[0]!.link.partitioned, true, 'stopping a degrade does not heal a partition');
  t.equal(w.sites[0]!.link.profile.downBps, 20e6);
});

t.test('probability and percent selectors are seeded', async (t) => {
  const pick = async (seed: number) => {
    const w = testWorld({ seed, sites: 50 });
    const fc = new FaultController(w);
    await fc.inject({ kind: 'partition', selector: { percentSites: 20 }, probability: 0.5 });
    return fc.windows[0]!.targets;
  };
  const a = await pick(3);
  t.ok(a.length >= 2 && a.length <= 9, `about half of 10 sites: ${a.length}`);
  t.same(await pick(3), a);
});

t.test('healAll stops everything, pairs every start with a stop and leaves no timers', async (t) => {
  const w = testWorld();
  const log = stampEvents(w);
  const fc = new FaultController(w);
  await fc.schedule([
    { kind: 'link-flap', selector: 'all', params: { period: '10s', down: '2s' } },
    { kind: 'bmc-hang', selector: { nodes: 2 } },
    { kind: 'partition', selector: 'site-1', at: '1h' },
    { kind: 'image-corruption', when: { phase: 'image' } },
    { kind: 'tftp-drop', every: '30s', duration: '10s' },
  ]);
  await w.clock.run(45_000);
  await fc.healAll();
  await fc.healAll();
  const lines = faultLog(w, log);
  const starts = lines.filter((l) => l.includes(' start ')).map((l) => l.split(' ')[2]);
  const stops = lines.filter((l) => l.includes(' stop ')).map((l) => l.split(' ')[2]);
  t.same([...stops].sort(), [...starts].sort());
  t.equal(w.clock.pending, 0);
  t.ok(w.sites.every((s) => !s.link.partitioned));
  t.ok(w.bmcs.every((b) => !b.faults.hang));
  t.ok(w.nodes.every((n) => n.faults.tftpDropRate === 0));
  w.enterPhase('site-0-n0', 'image');
  t.equal(w.nodes[0]!.faults.corruptImage, false, 'phase triggers are unsubscribed');
});

t.test('a sim-only fault that selects qemu nodes says so (warning naming them) and still acts on the sim nodes', async (t) => {
  const w = testWorld({ sites: 2, perSite: 2, qemuSites: [1] });
  const fc = new FaultController(w);
  await fc.inject({ kind: 'dhcp-drop', id: 'drop', params: { rate: 1 } });
  const warn = w.events.find((e) => e.kind === 'log' && e.level === 'warn');
  t.match(warn, { code: 'FLEETLAB_ERR_FAULT_UNSUPPORTED', msg: /dhcp-drop.*qemu nodes site-1-n0, site-1-n1/ });
  t.ok(w.nodes.filter((n) => n.site === 'site-0').every((n) => n.faults.dhcpDropRate === 1), 'the sim nodes drop DHCP');
  const w2 = testWorld({ sites: 2, perSite: 2, qemuSites: [1] });
  await new FaultController(w2).inject({ kind: 'partition', id: 'cut', selector: { site: 'site-1' } });
  t.notOk(w2.events.some((e) => e.kind === 'log' && e.level === 'warn'), 'site faults reach qemu sites: no warning');
});
