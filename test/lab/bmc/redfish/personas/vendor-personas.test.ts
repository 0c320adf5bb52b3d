/**
 * The vendor personas (idrac, ilo, supermicro) through real clients: python3-sushy (Ironic's
 * Redfish library: power, boot override, virtual media insert/eject) and redfishtool, each on a
 * per-system listener (where the vendor's fixed ids apply) and on the shared listener (fleetlab
 * ids, persona chosen per system). Each documented deviation shows on the wire.
 */
import t from 'tap';
import type { Test } from 'tap';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startRedfishServer } from '../../../../../lab/bmc/redfish/redfish-server.ts';
import { rfClient } from '../fixtures/redfish-client.ts';
import { fakeSystems } from '../fixtures/systems.ts';

const run = promisify(execFile);
const fixture = fileURLToPath(new URL('./fixtures/sushy-vendor.py', import.meta.url));
const IMAGE = 'http://127.0.0.1:9/boot.iso';

/** One system with `persona` on its own listener (127.0.0.1, any port); closed at the test's end. */
async function ownBmc(t: Test, persona: string) {
  const sys = fakeSystems(1);
  sys[0]!.persona = persona;
  sys[0]!.redfish = { host: '127.0.0.1', port: 0 };
  const srv = await startRedfishServer({ systems: sys, perSystemListeners: true });
  t.teardown(() => srv.close());
  const url = srv.systemUrl('sys-0')!;
  const sushy = async (system: string, manager: string) =>
    JSON.parse((await run('/usr/bin/python3', [fixture, url, 'admin', 'password', system, manager, IMAGE], { timeout: 60_000 })).stdout);
  const rt = (...args: string[]) => run('redfishtool', ['-r', url.slice('http://'.length), '-u', 'admin', '-p', 'password', '-S', 'Never', ...args], { timeout: 60_000 });
  return { sys: sys[0]!, srv, url, rf: rfClient(url), sushy, rt };
}

const resets = (names: string[]) => names.map((r) => `ResetType.${r.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`).sort();

t.test('idrac: System.Embedded.1 / iDRAC.Embedded.1, vmedia CD under the Manager only, no ForceOn, Oem.Dell, Jobs', async (t) => {
  const { sys, rf, sushy, rt } = await ownBmc(t, 'idrac');
  const out = await sushy('/redfish/v1/Systems/System.Embedded.1', '/redfish/v1/Managers/iDRAC.Embedded.1');
  t.equal(out.session_key_set, true, 'session auth');
  t.same(out.systems, ['/redfish/v1/Systems/System.Embedded.1']);
  t.equal(out.system_identity, 'System.Embedded.1');
  t.same(out.system_oem, ['Dell']);
  t.same(out.reset_types, resets(['On', 'ForceOff', 'ForceRestart', 'GracefulRestart', 'GracefulShutdown', 'PushPowerButton', 'Nmi', 'PowerCycle']));
  t.equal(out.boot_patch, 'ok');
  t.same(out.boot, ['BootSourceOverrideEnabled.ONCE', 'BootSource.CD', 'BootSourceOverrideMode.UEFI']);
  t.equal(out.power_on, 'ok');
  t.equal(out.force_restart, 'ok');
  t.match(out.system_vmedia, /^raised /, 'no VirtualMedia under the System');
  t.equal(out.manager_identity, 'iDRAC.Embedded.1');
  t.same(out.manager_oem, ['Dell']);
  t.same(out.manager_vmedia, ['CD', 'RemovableDisk']);
  t.equal(out.cd, '/redfish/v1/Managers/iDRAC.Embedded.1/VirtualMedia/CD');
  t.equal(out.insert, 'ok');
  t.same(out.after_insert, [true, IMAGE]);
  t.equal(out.eject, 'ok');
  t.same(out.after_eject, [false, null]);

  const cd = await rf.get('/redfish/v1/Managers/iDRAC.Embedded.1/VirtualMedia/CD');
  t.equal(cd.body.Id, 'CD');
  t.equal(cd.body.Actions['#VirtualMedia.InsertMedia'].target, '/redfish/v1/Managers/iDRAC.Embedded.1/VirtualMedia/CD/Actions/VirtualMedia.InsertMedia');
  t.equal((await rf.patch('/redfish/v1/Managers/iDRAC.Embedded.1/VirtualMedia/CD', { Image: IMAGE })).status, 405, 'vmedia PATCH refused');
  t.equal((await rf.get('/redfish/v1/Managers/iDRAC.Embedded.1/VirtualMedia/Cd')).status, 404, "the emulator's own device name is not served");
  t.equal((await rf.get('/redfish/v1/Systems/sys-0')).status, 404, "fleetlab's id is not served on the vendor listener");
  await t.rejects(rt('-I', 'System.Embedded.1', 'Systems', 'reset', 'ForceOn'), /400|not supported|Invalid/i, 'ForceOn refused');
  t.equal((await rf.post('/redfish/v1/Managers/iDRAC.Embedded.1/Actions/Manager.Reset', { ResetType: 'ForceRestart' })).status, 400);
  t.equal((await rf.post('/redfish/v1/Managers/iDRAC.Embedded.1/Actions/Manager.Reset', { ResetType: 'GracefulRestart' })).status, 204);
  const jobs = await rf.get('/redfish/v1/Managers/iDRAC.Embedded.1/Jobs');
  t.equal(jobs.status, 200, 'Dell job queue view');
  t.equal(jobs.body['@odata.id'], '/redfish/v1/TaskService/Tasks');
  const ch = JSON.parse((await rt('-I', 'System.Embedded.1', 'Systems', 'get')).stdout);
  t.equal(ch.Links.ManagedBy[0]['@odata.id'], '/redfish/v1/Managers/iDRAC.Embedded.1', 'links use the vendor ids');
  t.equal(ch.Links.Chassis[0]['@odata.id'], '/redfish/v1/Chassis/System.Embedded.1');
  t.equal(sys.machine.power(), 'on');
});

t.test('ilo: Systems/1, vmedia Managers/1/VirtualMedia/2 (+ Oem.Hpe actions), If-Match required, eject needs a body', async (t) => {
  const { rf, sushy, rt } = await ownBmc(t, 'ilo');
  const out = await sushy('/redfish/v1/Systems/1', '/redfish/v1/Managers/1');
  t.same(out.systems, ['/redfish/v1/Systems/1']);
  t.same(out.system_oem, ['Hpe']);
  t.same(out.reset_types, resets(['On', 'ForceOff', 'GracefulShutdown', 'ForceRestart', 'Nmi', 'PushPowerButton', 'GracefulRestart']));
  t.equal(out.boot_patch, 'ok', 'sushy sends If-Match with the ETag it read');
  t.same(out.boot, ['BootSourceOverrideEnabled.ONCE', 'BootSource.CD', 'BootSourceOverrideMode.UEFI']);
  t.equal(out.force_restart, 'ok');
  t.match(out.system_vmedia, /^raised /);
  t.same(out.manager_vmedia, ['1', '2']);
  t.equal(out.cd, '/redfish/v1/Managers/1/VirtualMedia/2');
  t.equal(out.insert, 'ok');
  t.same(out.after_insert, [true, IMAGE]);
  t.equal(out.eject, 'ok', 'sushy retries the eject with {} after the 415');
  t.same(out.after_eject, [false, null]);

  const patch = await rf.patch('/redfish/v1/Systems/1', { AssetTag: 'x' });
  t.equal(patch.status, 428, 'PATCH without If-Match');
  t.equal(patch.body.error['@Message.ExtendedInfo'][0].MessageId, 'Base.1.15.PreconditionRequired');
  const etag = (await rf.get('/redfish/v1/Systems/1')).headers.get('etag')!;
  t.equal((await rf.patch('/redfish/v1/Systems/1', { AssetTag: 'x' }, { 'If-Match': etag })).status, 200, 'with If-Match');
  const empty = await rf.req('POST', '/redfish/v1/Managers/1/VirtualMedia/2/Actions/VirtualMedia.EjectMedia');
  t.equal(empty.status, 415, 'eject without a body');
  const vm = (await rf.get('/redfish/v1/Managers/1/VirtualMedia/2')).body;
  t.equal(vm.Oem.Hpe.BootOnNextServerReset, false);
  const oemInsert = vm.Actions.Oem.Hpe['#HpeiLOVirtualMedia.InsertVirtualMedia'].target;
  t.equal(oemInsert, '/redfish/v1/Managers/1/VirtualMedia/2/Actions/Oem/Hpe/HpeiLOVirtualMedia.InsertVirtualMedia');
  t.equal((await rf.post(oemInsert, { Image: IMAGE, Oem: { Hpe: { BootOnNextServerReset: true } } })).status, 204, 'OEM insert action');
  t.equal((await rf.get('/redfish/v1/Managers/1/VirtualMedia/2')).body.Image, IMAGE);
  t.equal((await rf.post('/redfish/v1/Managers/1/VirtualMedia/2/Actions/Oem/Hpe/HpeiLOVirtualMedia.EjectVirtualMedia', {})).status, 204, 'OEM eject action');
  await t.rejects(rt('-I', '1', 'Systems', 'reset', 'PowerCycle'), /400|not supported|Invalid/i, 'PowerCycle refused');
});

t.test('supermicro: Systems/1, vmedia CD1 under the Manager only, InsertMedia quirks, Base.1.5 MessageIds', async (t) => {
  const { rf, sushy } = await ownBmc(t, 'supermicro');
  const out = await sushy('/redfish/v1/Systems/1', '/redfish/v1/Managers/1');
  t.same(out.system_oem, ['Supermicro']);
  t.same(out.reset_types, resets(['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart', 'Nmi', 'ForceOn']));
  t.equal(out.boot_patch, 'ok');
  t.match(out.system_vmedia, /^raised /);
  t.same(out.manager_vmedia, ['CD1', 'USB1']);
  t.equal(out.insert, 'ok', 'sushy adds TransferProtocolType after the ActionParameterMissing');
  t.same(out.after_insert, [true, IMAGE]);
  t.equal(out.eject, 'ok');

  const insert = '/redfish/v1/Managers/1/VirtualMedia/CD1/Actions/VirtualMedia.InsertMedia';
  const missing = await rf.post(insert, { Image: IMAGE });
  t.equal(missing.status, 400);
  t.equal(missing.body.error.code, 'Base.1.5.ActionParameterMissing');
  t.same(missing.body.error['@Message.ExtendedInfo'][0].RelatedProperties, ['#/TransferProtocolType']);
  const inserted = await rf.post(insert, { Image: IMAGE, TransferProtocolType: 'HTTP', Inserted: true });
  t.equal(inserted.status, 400, 'Inserted refused');
  t.equal(inserted.body.error['@Message.ExtendedInfo'][0].MessageId, 'Base.1.5.ActionParameterNotSupported');
  t.equal((await rf.post('/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { ResetType: 'PowerCycle' })).status, 400);
});

t.test('shared listener: each system answers with its own persona, under fleetlab ids', async (t) => {
  const sys = fakeSystems(2);
  sys[0]!.persona = 'ilo';
  const srv = await startRedfishServer({ systems: sys });
  t.teardown(() => srv.close());
  const rf = rfClient(srv.url);
  t.same((await rf.get('/redfish/v1/Managers/sys-0/VirtualMedia')).body.Members.map((m: { '@odata.id': string }) => m['@odata.id']).sort(), [
    '/redfish/v1/Managers/sys-0/VirtualMedia/1',
    '/redfish/v1/Managers/sys-0/VirtualMedia/2',
  ]);
  t.equal((await rf.patch('/redfish/v1/Systems/sys-0', { AssetTag: 'x' })).status, 428, 'sys-0 is an iLO');
  t.equal((await rf.patch('/redfish/v1/Systems/sys-1', { AssetTag: 'x' })).status, 200, 'sys-1 is generic');
  t.equal((await rf.get('/redfish/v1/Systems/sys-1/VirtualMedia/Cd')).status, 200);
  t.equal((await rf.get('/redfish/v1/Systems/sys-0/VirtualMedia/Cd')).status, 404);
  t.equal((await rf.get('/redfish/v1/Systems/sys-0')).body.Id, 'sys-0');
});

t.test('a system naming an unknown persona fails the start', async (t) => {
  const sys = fakeSystems(1);
  sys[0]!.persona = 'ibm-imm';
  await t.rejects(startRedfishServer({ systems: sys }), { code: 'FLEETLAB_ERR_BMC_PERSONA_UNKNOWN', message: /'ibm-imm'.*idrac, ilo, supermicro/ });
});
