import t from 'tap';
import { startRedfishServer } from '../../../../lab/bmc/redfish/redfish-server.ts';
import type { FakeMachine } from '../../../../lab/nodes/fake/fake-machine.ts';
import { rfClient } from './fixtures/redfish-client.ts';
import { fakeSystems, manualClock } from './fixtures/systems.ts';

const S = '/redfish/v1/Systems/sys-0';

t.test('Bios Settings with ApplyTime OnReset apply at the next reset, not before', async (t) => {
  const srv = await startRedfishServer({ systems: fakeSystems(1) });
  t.teardown(() => srv.close());
  const c = rfClient(srv.url);
  const bios = await c.get(`${S}/Bios`);
  t.equal(bios.body['@Redfish.Settings'].SettingsObject['@odata.id'], `${S}/Bios/Settings`);
  t.same(bios.body['@Redfish.Settings'].SupportedApplyTimes, ['OnReset']);
  t.equal(bios.body.Attributes.ProcTurboMode, 'Enabled');

  const p = await c.patch(`${S}/Bios/Settings`, { Attributes: { ProcTurboMode: 'Disabled', NumCores: 4 }, '@Redfish.SettingsApplyTime': { ApplyTime: 'OnReset' } });
  t.equal(p.status, 200);
  t.same(p.body.Attributes, { ProcTurboMode: 'Disabled', NumCores: 4 });
  t.equal((await c.get(`${S}/Bios`)).body.Attributes.ProcTurboMode, 'Enabled', 'pending until reset');
  t.equal((await c.patch(`${S}/Bios/Settings`, { Attributes: { NoSuchKnob: 1 } })).body.error.code, 'Base.1.15.PropertyUnknown');
  t.equal((await c.patch(`${S}/Bios/Settings`, { Attributes: { NumCores: 'four' } })).body.error.code, 'Base.1.15.PropertyValueTypeError');
  t.equal((await c.patch(`${S}/Bios/Settings`, { Attributes: { QuietBoot: false }, '@Redfish.SettingsApplyTime': { ApplyTime: 'Immediate' } })).status, 400);

  await c.post(`${S}/Actions/ComputerSystem.Reset`, { ResetType: 'On' });
  const after = (await c.get(`${S}/Bios`)).body.Attributes;
  t.equal(after.ProcTurboMode, 'Disabled');
  t.equal(after.NumCores, 4);
  t.equal(after.QuietBoot, true, 'refused settings were never queued');
  t.same((await c.get(`${S}/Bios/Settings`)).body.Attributes, {});

  t.equal((await c.post(`${S}/Bios/Actions/Bios.ResetBios`, {})).status, 204);
  t.equal((await c.get(`${S}/Bios`)).body.Attributes.ProcTurboMode, 'Disabled');
  await c.post(`${S}/Actions/ComputerSystem.Reset`, { ResetType: 'ForceRestart' });
  t.equal((await c.get(`${S}/Bios`)).body.Attributes.ProcTurboMode, 'Enabled', 'ResetBios defaults applied at the next reset');
});

t.test('pending settings also apply when the machine powers itself on', async (t) => {
  const sys = fakeSystems(1);
  const srv = await startRedfishServer({ systems: sys });
  t.teardown(() => srv.close());
  const c = rfClient(srv.url);
  await c.patch(`${S}/Bios/Settings`, { Attributes: { SriovGlobalEnable: 'Enabled' } });
  await (sys[0]!.machine as FakeMachine).setPower('on');
  t.equal((await c.get(`${S}/Bios`)).body.Attributes.SriovGlobalEnable, 'Enabled');
});

t.test('SecureBoot: enable takes effect at the next boot; ResetKeys', async (t) => {
  const srv = await startRedfishServer({ systems: fakeSystems(1) });
  t.teardown(() => srv.close());
  const c = rfClient(srv.url);
  const sb = await c.get(`${S}/SecureBoot`);
  t.equal(sb.body.SecureBootEnable, false);
  t.equal(sb.body.SecureBootCurrentBoot, 'Disabled');
  const p = await c.patch(`${S}/SecureBoot`, { SecureBootEnable: true }, { 'If-Match': sb.headers.get('etag')! });
  t.equal(p.status, 200);
  t.equal(p.body.SecureBootEnable, true);
  t.equal(p.body.SecureBootCurrentBoot, 'Disabled');
  await c.post(`${S}/Actions/ComputerSystem.Reset`, { ResetType: 'On' });
  t.equal((await c.get(`${S}/SecureBoot`)).body.SecureBootCurrentBoot, 'Enabled');
  t.equal((await c.post(`${S}/SecureBoot/Actions/SecureBoot.ResetKeys`, { ResetKeysType: 'DeletePK' })).status, 204);
  t.equal((await c.get(`${S}/SecureBoot`)).body.SecureBootMode, 'SetupMode');
  t.equal((await c.post(`${S}/SecureBoot/Actions/SecureBoot.ResetKeys`, { ResetKeysType: 'Everything' })).status, 400);
});

t.test('IndicatorLED on system and chassis; Manager DateTime and offset', async (t) => {
  const srv = await startRedfishServer({ systems: fakeSystems(1) });
  t.teardown(() => srv.close());
  const c = rfClient(srv.url);
  t.equal((await c.patch(S, { IndicatorLED: 'Blinking' })).body.IndicatorLED, 'Blinking');
  t.equal((await c.get('/redfish/v1/Chassis/sys-0')).body.IndicatorLED, 'Blinking');
  t.equal((await c.patch('/redfish/v1/Chassis/sys-0', { IndicatorLED: 'Off' })).body.IndicatorLED, 'Off');
  t.equal((await c.patch(S, { IndicatorLED: 'Disco' })).status, 400);
  const m = (await c.get('/redfish/v1/Managers/sys-0')).body;
  t.ok(Math.abs(Date.parse(m.DateTime) - Date.now()) < 5000, 'DateTime is now');
  t.equal(m.ManagerType, 'BMC');
  const p = await c.patch('/redfish/v1/Managers/sys-0', { DateTimeLocalOffset: '+02:00' });
  t.match(p.body.DateTime, /\+02:00$/);
  t.ok(Math.abs(Date.parse(p.body.DateTime) - Date.now()) < 5000, 'the same instant in another offset');
  t.equal((await c.patch('/redfish/v1/Managers/sys-0', { DateTimeLocalOffset: 'CET' })).status, 400);
});

t.test('Chassis Thermal/Power follow the power state; inventory comes from the machine', async (t) => {
  const srv = await startRedfishServer({ systems: fakeSystems(1) });
  t.teardown(() => srv.close());
  const c = rfClient(srv.url);
  const offW = (await c.get('/redfish/v1/Chassis/sys-0/Power')).body.PowerControl[0].PowerConsumedWatts;
  await c.post(`${S}/Actions/ComputerSystem.Reset`, { ResetType: 'On' });
  const onW = (await c.get('/redfish/v1/Chassis/sys-0/Power')).body.PowerControl[0].PowerConsumedWatts;
  t.ok(onW > offW, 'a running system draws more');
  const th = (await c.get('/redfish/v1/Chassis/sys-0/Thermal')).body;
  t.ok(th.Temperatures.length >= 2 && th.Fans.length > 0);
  const nic = (await c.get(`${S}/EthernetInterfaces/eno1`)).body;
  t.equal(nic.MACAddress, '52:54:00:00:00:00');
  const cpu = (await c.get(`${S}/Processors/CPU1`)).body;
  t.equal(cpu.TotalCores, 8);
  t.equal(cpu.TotalThreads, 16);
  const mem = await c.get(`${S}/Memory`);
  let mib = 0;
  for (const m of mem.body.Members) mib += (await c.get(m['@odata.id'])).body.CapacityMiB;
  t.equal(mib, 32 * 1024, 'DIMMs add up to the inventory memory');
  const drive = (await c.get(`${S}/Storage/1/Drives/sda`)).body;
  t.equal(drive.CapacityBytes, 480e9);
  t.equal(drive.MediaType, 'SSD');
  t.equal((await c.get(`${S}/SimpleStorage/1`)).body.Devices[0].CapacityBytes, 480e9);
});

t.test('SimpleUpdate: a task that progresses and completes, or fails on a bad image', async (t) => {
  const clock = manualClock();
  const srv = await startRedfishServer({ systems: fakeSystems(1), clock, updateTaskMs: 10_000, perSystemListeners: false });
  t.teardown(() => srv.close());
  const c = rfClient(srv.url);
  const us = (await c.get('/redfish/v1/UpdateService')).body;
  const target = us.Actions['#UpdateService.SimpleUpdate'].target;
  const r = await c.post(target, { ImageURI: 'http://127.0.0.1/fw/bios-2.4.1.bin', TransferProtocol: 'HTTP', Targets: [S] });
  t.equal(r.status, 202);
  const monitor = r.headers.get('location')!;
  t.match(monitor, /^\/redfish\/v1\/TaskService\/Tasks\/\d+\/Monitor$/);
  let m = await c.get(monitor);
  t.equal(m.status, 202);
  t.equal(m.body.TaskState, 'New');
  clock.advance(5_000);
  m = await c.get(monitor);
  t.equal(m.status, 202);
  t.equal(m.body.TaskState, 'Running');
  t.equal(m.body.PercentComplete, 50);
  clock.advance(5_000);
  m = await c.get(monitor);
  t.equal(m.status, 200);
  t.equal(m.body.TaskState, 'Completed');
  t.equal(m.body.TaskStatus, 'OK');
  t.equal(m.body.PercentComplete, 100);
  t.equal((await c.get(m.body['@odata.id'])).body.TaskState, 'Completed');
  t.equal((await c.get(S)).body.BiosVersion, '2.4.1', 'the update took effect');

  const f = await c.post(target, { ImageURI: 'http://127.0.0.1/fw/bios-fail.bin', Targets: [S] });
  clock.advance(3_000);
  t.equal((await c.get(f.headers.get('location')!)).body.TaskState, 'Running');
  clock.advance(2_000);
  const failed = await c.get(f.headers.get('location')!);
  t.equal(failed.status, 200);
  t.equal(failed.body.TaskState, 'Exception');
  t.equal(failed.body.TaskStatus, 'Critical');
  t.match(failed.body.Messages[0].Message, /bios-fail\.bin/);
  t.equal((await c.get('/redfish/v1/TaskService/Tasks')).body['Members@odata.count'], 2);
  t.equal((await c.post(target, {})).body.error.code, 'Base.1.15.ActionParameterMissing');
  t.equal((await c.post(target, { ImageURI: 'http://x/y', Targets: ['/redfish/v1/Systems/nope'] })).status, 400);
});

t.test('VirtualMedia: legacy PATCH form and the insert-over-insert conflict', async (t) => {
  const sys = fakeSystems(1);
  const srv = await startRedfishServer({ systems: sys });
  t.teardown(() => srv.close());
  const c = rfClient(srv.url);
  const cd = '/redfish/v1/Managers/sys-0/VirtualMedia/Cd';
  const p = await c.patch(cd, { Image: 'http://127.0.0.1/a.iso', Inserted: true, WriteProtected: true });
  t.equal(p.status, 200);
  t.equal(p.body.Inserted, true);
  t.same(sys[0]!.machine.media?.(), { url: 'http://127.0.0.1/a.iso', type: 'CD', writeProtected: true });
  const again = await c.post(`${cd}/Actions/VirtualMedia.InsertMedia`, { Image: 'http://127.0.0.1/b.iso' });
  t.equal(again.status, 409);
  t.equal(again.body.error.code, 'Base.1.15.ResourceInUse');
  t.equal((await c.post(`${cd}/Actions/VirtualMedia.InsertMedia`, { Image: 'http://127.0.0.1/a.iso' })).status, 204, 're-inserting the same image is fine');
  t.equal((await c.patch('/redfish/v1/Systems/sys-0/VirtualMedia/Cd', { Image: null })).body.Inserted, false);
  t.equal(sys[0]!.machine.media?.(), null);
  t.equal((await c.post(`${cd}/Actions/VirtualMedia.InsertMedia`, { Image: 'not a url' })).status, 400);
  const fl = '/redfish/v1/Systems/sys-0/VirtualMedia/Floppy';
  t.equal((await c.post(`${fl}/Actions/VirtualMedia.InsertMedia`, { Image: 'http://127.0.0.1/cfg.img', MediaType: 'USBStick' })).status, 204);
  t.equal((await c.get('/redfish/v1/Managers/sys-0/VirtualMedia/Floppy')).body.Image, 'http://127.0.0.1/cfg.img');
  t.equal(sys[0]!.machine.media?.(), null, 'the floppy is not the boot CD');
});
