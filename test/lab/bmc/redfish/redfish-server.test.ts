import t from 'tap';
import { startRedfishServer } from '../../../../lab/bmc/redfish/redfish-server.ts';
import type { BmcSystem } from '../../../../lab/bmc/bmc-system.ts';
import { FakeMachine, fakeInventory } from '../../../../lab/nodes/fake/fake-machine.ts';
import type { EventBody } from '../../../../lab/base/event.ts';
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
  const m = new FakeMachine('slow', fakeInventory(9), { onMs: 1500, offMs: 0, softOffMs: 0 });
  sys[0]!.machine = m;
  const srv = await startRedfishServer({ systems: sys, resetWaitMs: 50 });
  t.teardown(() => srv.close());
  const c = rfClient(srv.url);
  const off = await c.post('/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset', { ResetType: 'ForceOff' });
  t.equal(off.status, 409);
  t.equal(off.body.error['@Message.ExtendedInfo'][0].MessageId, 'Base.1.15.NoOperation');
  const t0 = Date.now();
  t.equal((await c.post('/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset', { ResetType: 'On' })).status, 204);
  t.ok(Date.now() - t0 < 1000, 'the request does not wait for the 1.5 s power-on');
  t.equal((await c.get('/redfish/v1/Systems/sys-0')).body.PowerState, 'PoweringOn', 'the transition is visible');
  t.equal((await c.get('/redfish/v1/Chassis/sys-0')).body.PowerState, 'PoweringOn');
  // A second On while powering on is what the chassis is already doing.
  t.equal((await c.post('/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset', { ResetType: 'On' })).status, 409);
  // ForceOff during the power-on is queued behind it and wins.
  t.equal((await c.post('/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset', { ResetType: 'ForceOff' })).status, 204);
  t.not((await c.get('/redfish/v1/Systems/sys-0')).body.PowerState, 'On', 'never reads On: it is heading for Off');
  t.equal((await c.post('/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset', { ResetType: 'GracefulShutdown' })).status, 409, 'already heading for Off');
  await new Promise((r) => setTimeout(r, 1700));
  t.equal(m.power(), 'off');
  t.same(m.boots.length, 1, 'it did power on once, then off');
  t.equal((await c.get('/redfish/v1/Systems/sys-0')).body.PowerState, 'Off');
  const bad = await c.post('/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset', { ResetType: 'Explode' });
  t.equal(bad.status, 400);
  t.equal(bad.body.error['@Message.ExtendedInfo'][0].MessageId, 'Base.1.15.ActionParameterValueNotInList');
  const missing = await c.post('/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset', {});
  t.equal(missing.status, 400);
  t.equal(missing.body.error['@Message.ExtendedInfo'][0].MessageId, 'Base.1.15.ActionParameterMissing');
});

/** Every @odata.id (and registry Uri) reachable from the service root (GET only), fragments and actions excluded. */
async function crawl(c: ReturnType<typeof rfClient>): Promise<Map<string, any>> {
  const seen = new Map<string, any>();
  const queue = ['/redfish/v1'];
  while (queue.length > 0) {
    const p = queue.shift()!;
    if (seen.has(p)) continue;
    const r = await c.get(p);
    seen.set(p, r);
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          // Links are @odata.id; registry files are linked by Location[].Uri.
          if ((k === '@odata.id' || k === 'Uri') && typeof x === 'string' && x.startsWith('/redfish/') && !x.includes('#')) {
            const u = x.replace(/\/$/, '');
            if (!seen.has(u)) queue.push(u);
          } else if (k !== 'Actions') walk(x);
        }
      }
    };
    walk(r.body);
  }
  return seen;
}

t.test('every linked resource resolves; a wrong password gets 401 on all of them and changes nothing', async (t) => {
  const sys = systems(2);
  const srv = await startRedfishServer({ systems: sys });
  t.teardown(() => srv.close());
  const good = rfClient(srv.url);
  const all = await crawl(good);
  t.ok(all.size > 40, `crawled ${all.size} resources`);
  for (const [p, r] of all) t.equal(r.status, 200, `GET ${p}`);
  for (const want of [
    '/redfish/v1/Systems/sys-0/Bios/Settings',
    '/redfish/v1/Systems/sys-0/Storage/1/Drives/sda',
    '/redfish/v1/Systems/sys-0/EthernetInterfaces/eno1',
    '/redfish/v1/Managers/sys-1/VirtualMedia/Cd',
    '/redfish/v1/Chassis/sys-1/Thermal',
    '/redfish/v1/Registries/Base/Base.1.15.0',
  ])
    t.ok(all.has(want), `${want} is linked`);

  const bad = rfClient(srv.url, { user: 'admin', password: 'wrong' });
  const before = JSON.stringify(sys.map((s) => [s.machine.power(), s.machine.bootOverride, s.machine.media?.()]));
  for (const p of all.keys()) {
    if (p === '/redfish/v1') continue;
    const r = await bad.get(p);
    t.equal(r.status, 401, `GET ${p} with a wrong password`);
    t.equal(r.body?.error?.code, 'Base.1.15.NoValidSession');
  }
  const writes: [string, string, unknown][] = [
    ['POST', '/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset', { ResetType: 'On' }],
    ['PATCH', '/redfish/v1/Systems/sys-0', { Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Continuous' } }],
    ['POST', '/redfish/v1/Managers/sys-0/VirtualMedia/Cd/Actions/VirtualMedia.InsertMedia', { Image: 'http://127.0.0.1/x.iso' }],
    ['PATCH', '/redfish/v1/Systems/sys-0/Bios/Settings', { Attributes: { ProcTurboMode: 'Disabled' } }],
    ['POST', '/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate', { ImageURI: 'http://127.0.0.1/fw.bin' }],
    ['DELETE', '/redfish/v1/SessionService/Sessions/1', undefined],
  ];
  for (const [m, p, b] of writes) t.equal((await bad.req(m, p, b)).status, 401, `${m} ${p} with a wrong password`);
  t.equal(JSON.stringify(sys.map((s) => [s.machine.power(), s.machine.bootOverride, s.machine.media?.()])), before, 'no machine state changed');
  t.same((await good.get('/redfish/v1/Systems/sys-0/Bios/Settings')).body.Attributes, {});
  t.equal((await good.get('/redfish/v1/TaskService/Tasks')).body.Members.length, 0);
  t.equal((await rfClient(srv.url, null).post('/redfish/v1/SessionService/Sessions', { UserName: 'admin', Password: 'nope' })).status, 401);
});

t.test('request errors: 412 stale If-Match, 400 malformed/unknown/read-only/bad value, 405, 404', async (t) => {
  const sys = systems(1);
  const srv = await startRedfishServer({ systems: sys });
  t.teardown(() => srv.close());
  const c = rfClient(srv.url);
  const id = (r: { body: any }) => r.body?.error?.['@Message.ExtendedInfo']?.[0]?.MessageId;
  const s0 = '/redfish/v1/Systems/sys-0';

  const etag = (await c.get(s0)).headers.get('etag')!;
  const ok = await c.patch(s0, { AssetTag: 'rack-7' }, { 'If-Match': etag });
  t.equal(ok.status, 200, 'PATCH with the current ETag');
  t.equal(ok.body.AssetTag, 'rack-7', 'PATCH answers 200 with the resource');
  t.not(ok.headers.get('etag'), etag, 'the ETag changed');
  const stale = await c.patch(s0, { Boot: { BootSourceOverrideTarget: 'Cd' } }, { 'If-Match': etag });
  t.equal(stale.status, 412);
  t.equal(id(stale), 'Base.1.15.PreconditionFailed');
  t.equal(sys[0]!.machine.bootOverride.target, 'none', 'a refused PATCH changes nothing');
  t.equal((await c.patch(s0, { AssetTag: 'x' }, { 'If-Match': '*' })).status, 200, 'If-Match * always matches');
  const strong = ok.headers.get('etag')!.replace(/^W\//, '');
  t.equal((await c.patch(s0, { AssetTag: 'y' }, { 'If-Match': strong.replace('"', '"0') })).status, 412);

  const malformed = await c.patch(s0, '{"Boot": ');
  t.equal(malformed.status, 400);
  t.equal(malformed.body.error.code, 'Base.1.15.MalformedJSON');
  t.ok(Array.isArray(malformed.body.error['@Message.ExtendedInfo']));
  t.equal((await c.post(`${s0}/Actions/ComputerSystem.Reset`, '[1,2]')).status, 400, 'a JSON array is not a request body');

  const unknown = await c.patch(s0, { Boot: { BootSourceOverrideTarget: 'Pxe', Frobnicate: 1 } });
  t.equal(unknown.status, 400);
  t.equal(id(unknown), 'Base.1.15.PropertyUnknown');
  t.same(unknown.body.error['@Message.ExtendedInfo'][0].RelatedProperties, ['#/Boot/Frobnicate']);
  t.equal(sys[0]!.machine.bootOverride.target, 'none', 'the valid half of a refused PATCH is not applied');
  const ro = await c.patch(s0, { PowerState: 'On' });
  t.equal(ro.status, 400);
  t.equal(id(ro), 'Base.1.15.PropertyNotWritable');
  const badVal = await c.patch(s0, { Boot: { BootSourceOverrideTarget: 'Floppy99' } });
  t.equal(badVal.status, 400);
  t.equal(id(badVal), 'Base.1.15.PropertyValueNotInList');
  const badType = await c.patch(s0, { Boot: { BootSourceOverrideEnabled: true } });
  t.equal(badType.status, 400);
  t.equal(id(badType), 'Base.1.15.PropertyValueTypeError');
  const extra = await c.post(`${s0}/Actions/ComputerSystem.Reset`, { ResetType: 'On', Force: true });
  t.equal(extra.status, 400);
  t.equal(id(extra), 'Base.1.15.ActionParameterNotSupported');

  const wrongMethod = await c.del(s0);
  t.equal(wrongMethod.status, 405);
  t.equal(id(wrongMethod), 'Base.1.15.OperationNotAllowed');
  t.match(wrongMethod.headers.get('allow'), /GET.*PATCH/);
  t.equal((await c.get(`${s0}/Actions/ComputerSystem.Reset`)).status, 405);
  t.equal((await c.post('/redfish/v1/Systems', {})).status, 405);

  const nosys = await c.get('/redfish/v1/Systems/nope');
  t.equal(nosys.status, 404);
  t.equal(id(nosys), 'Base.1.15.ResourceNotFound');
  t.same(nosys.body.error['@Message.ExtendedInfo'][0].MessageArgs, ['ComputerSystem', 'nope']);
  t.equal((await c.post('/redfish/v1/Systems/nope/Actions/ComputerSystem.Reset', { ResetType: 'On' })).status, 404);
  t.equal((await c.get('/redfish/v1/NoSuchThing')).status, 404);
  t.equal((await c.get(`${s0}/Processors/CPU9`)).status, 404);
  t.equal((await c.get('/redfish/v1/Managers/sys-0/VirtualMedia/Tape')).status, 404);

  const head = await fetch(srv.url + s0, { method: 'HEAD', headers: { Authorization: 'Basic ' + Buffer.from('admin:password').toString('base64') } });
  t.equal(head.status, 200, 'HEAD is served like GET');
  t.equal(await head.text(), '');
});

t.test('per-BMC credentials on one listener', async (t) => {
  const a = systems(1, { username: 'alice', password: 'a-pass' });
  const b = systems(2, { username: 'bob', password: 'b-pass' }).slice(1);
  const srv = await startRedfishServer({ systems: [...a, ...b] });
  t.teardown(() => srv.close());
  const alice = rfClient(srv.url, { user: 'alice', password: 'a-pass' });
  const bob = rfClient(srv.url, { user: 'bob', password: 'b-pass' });
  t.same(
    (await alice.get('/redfish/v1/Systems')).body.Members.map((m: any) => m['@odata.id']),
    ['/redfish/v1/Systems/sys-0'],
    'a caller sees the systems its credentials open',
  );
  t.same(
    (await bob.get('/redfish/v1/Systems')).body.Members.map((m: any) => m['@odata.id']),
    ['/redfish/v1/Systems/sys-1'],
  );
  t.equal((await alice.get('/redfish/v1/Systems/sys-1')).status, 401);
  t.equal((await bob.post('/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset', { ResetType: 'On' })).status, 401);
  t.equal(a[0]!.machine.power(), 'off');
  t.equal((await bob.get('/redfish/v1/Systems/sys-1')).status, 200);
});

t.test('addSystem / removeSystem while serving', async (t) => {
  const srv = await startRedfishServer({ systems: systems(1) });
  t.teardown(() => srv.close());
  const c = rfClient(srv.url);
  srv.addSystem({ id: 'late', machine: new FakeMachine('late', fakeInventory(50)), credentials: { username: 'admin', password: 'password' } });
  t.equal((await c.get('/redfish/v1/Systems')).body['Members@odata.count'], 2);
  t.equal((await c.get('/redfish/v1/Systems/late')).status, 200);
  srv.removeSystem('late');
  t.equal((await c.get('/redfish/v1/Systems/late')).status, 404);
  t.equal((await c.get('/redfish/v1/Systems')).body['Members@odata.count'], 1);
});

t.test('hostile input never takes the server down', async (t) => {
  const srv = await startRedfishServer({ systems: systems(1) });
  t.teardown(() => srv.close());
  const c = rfClient(srv.url);
  const big = await c.patch('/redfish/v1/Systems/sys-0', 'x'.repeat(3 << 20));
  t.equal(big.status, 413);
  t.equal(big.body.error.Oem.Fleetlab.Code, 'FLEETLAB_ERR_BMC_PAYLOAD_TOO_LARGE');
  t.equal((await c.get('/redfish/v1/Systems/%E0%A4%A')).status, 404, 'broken percent-encoding');
  t.equal((await c.get('/redfish/v1/Systems/sys-0%2F..%2F..')).status, 404);
  t.equal((await c.post('/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset', 'null')).status, 400);
  t.equal((await c.patch('/redfish/v1/Systems/sys-0', { Boot: 'Pxe' })).status, 400);
  t.equal((await c.patch('/redfish/v1/Systems/sys-0', { Boot: null })).status, 400);
  const badAuth = await fetch(srv.url + '/redfish/v1/Systems', { headers: { Authorization: 'Basic !!!' } });
  t.equal(badAuth.status, 401);
  t.equal((await c.get('/redfish/v1/Systems/sys-0?foo=1&bar')).status, 200, 'non-$ query parameters are ignored');
  t.equal((await c.get('/redfish/v1/Systems/sys-0?$expand=*')).status, 501, 'a $ query the service does not claim is 501, not silently ignored');
  t.equal((await c.get('/redfish/v1/Systems/sys-0/')).status, 200, 'a trailing slash is the same resource');
  t.equal((await c.get('/redfish/v1/Systems/sys-0')).body.Id, 'sys-0', 'still serving');
});

t.test('two servers in one process keep their own systems', async (t) => {
  const a = await startRedfishServer({ systems: systems(2) });
  const other = Array.from({ length: 2 }, (_, i) => ({ id: `b-${i}`, machine: new FakeMachine(`b-${i}`, fakeInventory(i)), credentials: { username: 'admin', password: 'password' } }));
  const b = await startRedfishServer({ systems: other });
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  const ids = async (url: string) => (await rfClient(url).get('/redfish/v1/Systems')).body.Members.map((m: any) => m['@odata.id']);
  t.same(await ids(a.url), ['/redfish/v1/Systems/sys-0', '/redfish/v1/Systems/sys-1']);
  t.same(await ids(b.url), ['/redfish/v1/Systems/b-0', '/redfish/v1/Systems/b-1']);
  t.equal((await rfClient(b.url).get('/redfish/v1/Systems/sys-0')).status, 404);
});

t.test('after a BMC-driven On completes, a machine that switches itself off reads Off and accepts On again', async (t) => {
  // IPA's standby.power_off: the node powers itself off; Ironic then powers it on through the BMC.
  const sys = systems(1);
  const srv = await startRedfishServer({ systems: sys });
  t.teardown(() => srv.close());
  const c = rfClient(srv.url);
  const reset = '/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset';
  t.equal((await c.post(reset, { ResetType: 'On' })).status, 204);
  await new Promise((r) => setTimeout(r, 50));
  await sys[0]!.machine.setPower('off');
  t.equal((await c.get('/redfish/v1/Systems/sys-0')).body.PowerState, 'Off', 'no stale PoweringOn');
  t.equal((await c.post(reset, { ResetType: 'On' })).status, 204, 'On is accepted, not 409');
  t.equal(sys[0]!.machine.power(), 'on');
});
