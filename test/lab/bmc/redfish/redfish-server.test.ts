import t from 'tap';
import { startRedfishServer } from '../../../../lab/bmc/redfish/redfish-server.ts';
import type { BmcSystem } from '../../../../lab/bmc/bmc-system.ts';
import { FakeMachine, fakeInventory } from '../../../../lab/nodes/fake/fake-machine.ts';
import type { EventBody } from '../../../../lab/events/event.ts';
import { rfClient } from './fixtures/redfish-client.ts';

function systems(n: number, creds = { username: 'admin', password: 'password' }): BmcSystem[] {
  return Array.from({ length: n }, (_, i) => ({ id: `sys-${i}`, machine: new FakeMachine(`sys-${i}`, fakeInventory(i)), credentials: { ...creds } }));
}

t.test('service root is public, systems list and system GET need auth', async (t) => {
  const events: EventBody[] = [];
  const srv = await startRedfishServer({ systems: systems(2), events: { emit: (e) => events.push(e) } });
  t.teardown(() => srv.close());
  const anon = rfClient(srv.url, null);
  const root = await anon.get('/redfish/v1/');
  t.equal(root.status, 200);
  t.equal(root.body.Systems['@odata.id'], '/redfish/v1/Systems');
  t.equal(root.body.Links.Sessions['@odata.id'], '/redfish/v1/SessionService/Sessions');
  t.equal((await anon.get('/redfish/v1/Systems')).status, 401);
  const c = rfClient(srv.url);
  const list = await c.get('/redfish/v1/Systems');
  t.same(list.body.Members.map((m: { '@odata.id': string }) => m['@odata.id']), ['/redfish/v1/Systems/sys-0', '/redfish/v1/Systems/sys-1']);
  const sys = await c.get('/redfish/v1/Systems/sys-1');
  t.equal(sys.status, 200);
  t.equal(sys.body.PowerState, 'Off');
  t.equal(sys.body.Boot.BootSourceOverrideEnabled, 'Disabled');
  t.equal(sys.headers.get('etag'), sys.body['@odata.etag']);
  t.ok(events.some((e) => e.kind === 'bmc.request' && e.bmc === 'sys-1' && e.op === 'GET System' && e.status === 200));
  t.ok(events.some((e) => e.kind === 'bmc.request' && e.bmc === '-' && e.op === 'GET Systems' && e.status === 401));
});

t.test('Once override is honoured and cleared by the boot that used it; Continuous stays', async (t) => {
  const sys = systems(1);
  const m = sys[0]!.machine as FakeMachine;
  const srv = await startRedfishServer({ systems: sys });
  t.teardown(() => srv.close());
  const c = rfClient(srv.url);
  const p = await c.patch('/redfish/v1/Systems/sys-0', { Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once', BootSourceOverrideMode: 'UEFI' } });
  t.equal(p.status, 200);
  t.equal(p.body.Boot.BootSourceOverrideTarget, 'Pxe');
  t.same(m.bootOverride, { target: 'pxe', mode: 'uefi', once: true });
  t.equal((await c.post('/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset', { ResetType: 'On' })).status, 204);
  t.equal(m.boots[0]?.device, 'pxe');
  const after = await c.get('/redfish/v1/Systems/sys-0');
  t.equal(after.body.PowerState, 'On');
  t.equal(after.body.Boot.BootSourceOverrideEnabled, 'Disabled');
  t.equal(after.body.Boot.BootSourceOverrideTarget, 'None');

  await c.patch('/redfish/v1/Systems/sys-0', { Boot: { BootSourceOverrideTarget: 'Hdd', BootSourceOverrideEnabled: 'Continuous' } });
  await c.post('/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset', { ResetType: 'ForceRestart' });
  await c.post('/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset', { ResetType: 'PowerCycle' });
  const cont = await c.get('/redfish/v1/Systems/sys-0');
  t.equal(cont.body.Boot.BootSourceOverrideEnabled, 'Continuous');
  t.equal(cont.body.Boot.BootSourceOverrideTarget, 'Hdd');
  t.same(m.boots.map((b) => b.device), ['pxe', 'hdd', 'hdd']);
});

t.test('power actions: already-in-state is 409, bad ResetType 400, transitions bounded', async (t) => {
  const sys = systems(1);
  const m = new FakeMachine('slow', fakeInventory(9), { onMs: 5000, offMs: 0, softOffMs: 0 });
  sys[0]!.machine = m;
  const srv = await startRedfishServer({ systems: sys, resetWaitMs: 50 });
  t.teardown(() => srv.close());
  const c = rfClient(srv.url);
  const off = await c.post('/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset', { ResetType: 'ForceOff' });
  t.equal(off.status, 409);
  t.equal(off.body.error['@Message.ExtendedInfo'][0].MessageId, 'Base.1.15.NoOperation');
  const t0 = Date.now();
  t.equal((await c.post('/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset', { ResetType: 'On' })).status, 204);
  t.ok(Date.now() - t0 < 2000, 'the request does not wait for the 5 s power-on');
  // A second On while powering on is what the chassis is already doing.
  t.equal((await c.post('/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset', { ResetType: 'On' })).status, 409);
  const bad = await c.post('/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset', { ResetType: 'Explode' });
  t.equal(bad.status, 400);
  t.equal(bad.body.error['@Message.ExtendedInfo'][0].MessageId, 'Base.1.15.ActionParameterValueNotInList');
  const missing = await c.post('/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset', {});
  t.equal(missing.status, 400);
  t.equal(missing.body.error['@Message.ExtendedInfo'][0].MessageId, 'Base.1.15.ActionParameterMissing');
});
