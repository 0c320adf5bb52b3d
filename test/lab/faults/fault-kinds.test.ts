import t from 'tap';
import { FaultController } from '../../../lab/faults/fault-controller.ts';
import { noBmcFaults, noNodeFaults } from '../../../lab/faults/fault-hooks.ts';
import { testWorld } from './fault-world-fixture.ts';

/** Each hot-path kind sets its field while active and restores it after. */
const fieldCases: [string, Record<string, unknown>, 'node' | 'bmc', Record<string, unknown>][] = [
  ['http-cut', { afterBytes: '1MiB' }, 'node', { httpCutAfterBytes: 1048576 }],
  ['connection-reset', {}, 'node', { httpReset: true }],
  ['dhcp-drop', { rate: '30%' }, 'node', { dhcpDropRate: 0.3 }],
  ['tftp-drop', {}, 'node', { tftpDropRate: 1 }],
  ['disk-write-failure', {}, 'node', { diskWriteFailure: true }],
  ['image-corruption', {}, 'node', { corruptImage: true }],
  ['power-loss', { phase: 'image' }, 'node', { powerLossAtPhase: 'image' }],
  ['bmc-hang', {}, 'bmc', { hang: true }],
  ['bmc-slow', { delay: '2s' }, 'bmc', { slowMs: 2000 }],
  ['bmc-errors', { rate: '25%', status: 503 }, 'bmc', { errorRate: 0.25, errorStatus: 503 }],
  ['bmc-auth-failure', {}, 'bmc', { authFailure: true }],
];

for (const [kind, params, scope, expected] of fieldCases) {
  t.test(`${kind} sets ${Object.keys(expected).join(', ')} on the selected ${scope}s only`, async (t) => {
    const w = testWorld();
    const fc = new FaultController(w);
    await fc.inject({ kind, selector: { node: 'site-1-n1' }, params, duration: '10s' });
    const hit = scope === 'node' ? w.nodes[3]!.faults : w.bmcs[3]!.faults;
    const other = scope === 'node' ? w.nodes[2]!.faults : w.bmcs[2]!.faults;
    t.match(hit, expected);
    t.same(other, scope === 'node' ? noNodeFaults() : noBmcFaults());
    await w.clock.run(10_000);
    t.same(hit, scope === 'node' ? noNodeFaults() : noBmcFaults(), 'restored after the window');
  });
}

t.test('link-degrade takes a preset or fields; loss-burst sets a bursty loss', async (t) => {
  const w = testWorld();
  const fc = new FaultController(w);
  await fc.inject({ kind: 'link-degrade', selector: 'site-0', params: { preset: 'satellite' }, duration: '1s' });
  await fc.inject({ kind: 'loss-burst', selector: 'site-1', params: { loss: '20%', meanBurst: 5 }, duration: '1s' });
  t.equal(w.sites[0]!.link.profile.latencyMs, 600);
  t.match(w.sites[1]!.link.profile.loss, { kind: 'gilbert-elliott', r: 0.2 });
  await w.clock.run(1000);
  t.equal(w.sites[0]!.link.profile.latencyMs, 30);
  t.match(w.sites[1]!.link.profile.loss, { kind: 'random', rate: 0.001 });
});

t.test('link-flap: down for `down` at the start of every period', async (t) => {
  const w = testWorld();
  const fc = new FaultController(w);
  await fc.inject({ kind: 'link-flap', selector: { site: ['site-0', 'site-3'] }, params: { period: '10s', down: '3s' }, duration: '25s' });
  const link = w.sites[3]!.link;
  const seen: string[] = [];
  for (let s = 0; s < 30; s++) {
    seen.push(link.partitioned ? 'x' : '.');
    await w.clock.run(1000);
  }
  t.equal(seen.join(''), 'xxx.......xxx.......xxx.......');
  t.equal(w.sites[1]!.link.partitioned, false);
  const log = w.events.flatMap((e) => (e.kind === 'fault.start' || e.kind === 'fault.stop' ? [`${e.kind === 'fault.start' ? '+' : '-'}${e.id}`] : []));
  t.same(log, ['+link-flap-1', '+link-flap-1/down#1', '-link-flap-1/down#1', '+link-flap-1/down#2', '-link-flap-1/down#2', '+link-flap-1/down#3', '-link-flap-1/down#3', '-link-flap-1'], 'each outage is its own window inside the fault window');
  t.equal(w.clock.pending, 0);
});

t.test('power-loss without a phase cuts power now and restores it after offFor', async (t) => {
  const w = testWorld();
  const m = w.nodes[0]!.machine;
  await m.setPower('on');
  const fc = new FaultController(w);
  await fc.inject({ kind: 'power-loss', selector: { node: 'site-0-n0' }, params: { offFor: '5s' } });
  await w.clock.run(1);
  t.equal(m.power(), 'off');
  await w.clock.run(5000);
  t.equal(m.power(), 'on');
  await fc.healAll();
});

t.test('target-kill calls the hooks fleetlab has for a target it started', async (t) => {
  const calls: string[] = [];
  const target = {
    kill: async () => void calls.push('kill'),
    restart: async () => void calls.push('restart'),
    pause: async () => void calls.push('pause'),
    resume: async () => void calls.push('resume'),
  };
  const w = testWorld({ target });
  const fc = new FaultController(w);
  await fc.inject({ kind: 'target-kill', duration: '5s' });
  await fc.inject({ kind: 'target-kill', at: '10s', duration: '5s', params: { mode: 'pause' } });
  await w.clock.run(20_000);
  t.same(calls, ['kill', 'restart', 'pause', 'resume']);
  t.match(w.events.filter((e) => e.kind === 'fault.start'), [{ fault: 'target-kill', selector: 'all' }, { fault: 'target-kill' }]);
});
