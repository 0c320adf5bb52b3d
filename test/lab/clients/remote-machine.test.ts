/**
 * RemoteMachine: the Machine contract over a BMC reached through the Redfish client or the
 * ipmitool wrapper, against fleetlab's emulators over FakeMachines. Power on/off and a Once PXE
 * override go through the BMC and read back; the power-loss fault drives it like any node.
 */
import t from 'tap';
import { ERRORS } from '../../../lab/base/errors.ts';
import { createRng } from '../../../lab/base/rng.ts';
import { realClock } from '../../../lab/base/clock.ts';
import type { PowerState } from '../../../lab/base/event.ts';
import { RedfishClient } from '../../../lab/clients/redfish/redfish-client.ts';
import { RedfishSystem } from '../../../lab/clients/redfish/redfish-system.ts';
import { redfishRemoteBmc } from '../../../lab/clients/redfish/redfish-remote-bmc.ts';
import { IpmitoolClient } from '../../../lab/clients/ipmi/ipmitool-client.ts';
import { ipmiRemoteBmc } from '../../../lab/clients/ipmi/ipmi-remote-bmc.ts';
import type { RemoteBmc } from '../../../lab/clients/remote-machine.ts';
import { RemoteMachine } from '../../../lab/clients/remote-machine.ts';
import type { FaultContext } from '../../../lab/faults/fault-plugin.ts';
import { noNodeFaults } from '../../../lab/faults/fault-hooks.ts';
import { powerLoss } from '../../../lab/faults/kinds/power-loss.ts';
import type { FakeMachine } from '../../../lab/nodes/fake/fake-machine.ts';
import { PASSWORD, USER, startBmc } from './fixtures/redfish-bmc.ts';
import { startIpmiLab } from './fixtures/ipmi-bmc.ts';

async function redfishRig() {
  const bmc = await startBmc(1);
  const client = new RedfishClient({ url: bmc.srv.url, username: USER, password: PASSWORD, auth: 'session' });
  return { fake: bmc.systems[0]!.machine as FakeMachine, remote: redfishRemoteBmc(new RedfishSystem(client, 'sys-0')), faults: bmc.faults(0), close: () => bmc.srv.close() };
}

async function ipmiRig() {
  const lab = await startIpmiLab(1);
  return { fake: lab.machines[0]!, remote: ipmiRemoteBmc(new IpmitoolClient(lab.target(0))), faults: lab.systems[0]!.faults!, close: () => lab.close() };
}

for (const [kind, rig] of [['redfish', redfishRig], ['ipmi', ipmiRig]] as const) {
  t.test(`${kind}: power on/off and a Once PXE override through the BMC, read back`, async (t) => {
    const r: { fake: FakeMachine; remote: RemoteBmc; faults: { authFailure: boolean }; close(): Promise<void> } = await rig();
    t.teardown(() => r.close());
    const m = await RemoteMachine.connect('node-a', r.remote, { pollMs: 50, powerTimeoutMs: 20_000 });
    t.teardown(() => m.close());
    const seen: PowerState[] = [];
    m.onPowerChange((s) => seen.push(s));
    t.equal(m.power(), 'off');

    m.bootOverride = { target: 'pxe', mode: 'uefi', once: true };
    t.same(m.bootOverride, { target: 'pxe', mode: 'uefi', once: true }, 'reads back at once (synchronous contract)');
    await m.flush();
    t.same(r.fake.bootOverride, { target: 'pxe', mode: 'uefi', once: true }, 'the BMC has it');
    await m.refresh();
    t.same(m.bootOverride, { target: 'pxe', mode: 'uefi', once: true }, 'and reports it back');

    await m.setPower('on');
    t.equal(m.power(), 'on');
    t.equal(r.fake.power(), 'on');
    t.same(r.fake.boots.at(-1), { device: 'pxe', mode: 'uefi', consumedOnce: true }, 'the machine PXE-booted once');
    t.equal(m.bootOverride.target, 'none', 'the consumed override reads back cleared');
    await m.setPower('on');
    t.equal(r.fake.boots.length, 1, 'on when on is a no-op, as for every Machine');

    await m.setPower('off');
    t.equal(m.power(), 'off');
    t.equal(r.fake.power(), 'off');
    t.same(seen, ['on', 'off'], 'power listeners heard both transitions');

    await r.fake.setPower('on'); // someone else powers it on
    await m.refresh();
    t.equal(m.power(), 'on', 'a change made elsewhere is seen on refresh');
    t.same(seen, ['on', 'off', 'on']);

    r.faults.authFailure = true;
    const errors: Error[] = [];
    const m2 = new RemoteMachine('node-b', r.remote, { onError: (e) => errors.push(e) });
    m2.bootOverride = { target: 'hdd', mode: 'uefi', once: false };
    await t.rejects(m2.flush(), { code: ERRORS.BMC_CLIENT_AUTH.code }, 'a failed write surfaces on flush');
    t.equal(errors.length, 1, 'and through onError');
    r.faults.authFailure = false;
  });
}

t.test('watch(): a power change made elsewhere reaches the listeners without a refresh', async (t) => {
  const r = await redfishRig();
  t.teardown(() => r.close());
  const m = await RemoteMachine.connect('node-a', r.remote);
  t.teardown(() => m.close());
  const seen: PowerState[] = [];
  m.onPowerChange((s) => seen.push(s));
  const stop = m.watch(100);
  t.teardown(stop);
  await r.fake.setPower('on');
  const deadline = Date.now() + 20_000;
  while (seen.length === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  t.same(seen, ['on']);
  t.equal(m.power(), 'on');
});

t.test('the power-loss fault drives a remote BMC like any node', async (t) => {
  const r = await redfishRig();
  t.teardown(() => r.close());
  const m = await RemoteMachine.connect('node-a', r.remote, { pollMs: 50 });
  t.teardown(() => m.close());
  await m.setPower('on');
  const seen: PowerState[] = [];
  r.fake.onPowerChange((s) => seen.push(s));
  const ctx = { id: 'f1', clock: realClock(), rng: createRng(1), emit: () => {} } as unknown as FaultContext;
  const stop = await powerLoss.start(ctx, { sites: [], bmcs: [], nodes: [{ name: 'node-a', site: 's0', faults: noNodeFaults(), machine: m }] }, { offForMs: 300 });
  const deadline = Date.now() + 20_000;
  while (seen.length < 2 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  t.same(seen, ['off', 'on'], 'power cut through the BMC, then restored');
  await stop?.();
});
