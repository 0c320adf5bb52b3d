import t from 'tap';
import { execFile } from 'node:child_process';
import { request } from 'node:https';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { startRedfishServer } from '../../../../lab/bmc/redfish/redfish-server.ts';
import { FakeMachine, fakeInventory } from '../../../../lab/nodes/fake/fake-machine.ts';
import { rfClient } from './fixtures/redfish-client.ts';
import { fakeSystems } from './fixtures/systems.ts';

const run = promisify(execFile);

t.test('per-system listeners on their own loopback address expose only their system', async (t) => {
  const sys = fakeSystems(2);
  sys[0]!.redfish = { host: '127.22.0.1', port: 0 };
  sys[1]!.credentials = { username: 'other', password: 'secret' };
  sys[1]!.redfish = { host: '127.22.0.2', port: 0 };
  const srv = await startRedfishServer({ systems: sys, perSystemListeners: true });
  t.teardown(() => srv.close());
  const u0 = srv.systemUrl('sys-0')!;
  t.match(u0, /^http:\/\/127\.22\.0\.1:\d+$/);
  const own = rfClient(u0);
  t.same(
    (await own.get('/redfish/v1/Systems')).body.Members.map((m: { '@odata.id': string }) => m['@odata.id']),
    ['/redfish/v1/Systems/sys-0'],
  );
  t.equal((await own.post('/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset', { ResetType: 'On' })).status, 204);
  t.equal(sys[0]!.machine.power(), 'on', 'same machine behind both listeners');
  t.equal((await rfClient(srv.url).get('/redfish/v1/Systems/sys-0')).body.PowerState, 'On');
  const other = rfClient(srv.systemUrl('sys-1')!, { user: 'other', password: 'secret' });
  t.equal((await other.get('/redfish/v1/Systems/sys-0')).status, 404, "another system's listener does not serve it");
  t.equal((await rfClient(srv.systemUrl('sys-1')!).get('/redfish/v1/Systems')).status, 401, "sys-0's credentials do not open sys-1's BMC");
  t.equal((await rfClient(srv.systemUrl('sys-1')!, null).post('/redfish/v1/SessionService/Sessions', { UserName: 'admin', Password: 'password' })).status, 401);

  srv.addSystem({ id: 'late', machine: new FakeMachine('late', fakeInventory(3)), credentials: { username: 'admin', password: 'password' }, redfish: { host: '127.22.0.3', port: 0 } });
  for (let i = 0; i < 50 && !srv.systemUrl('late'); i++) await new Promise((r) => setTimeout(r, 10));
  t.equal((await rfClient(srv.systemUrl('late')!).get('/redfish/v1/Systems/late')).status, 200);
  const lateUrl = srv.systemUrl('late')!;
  srv.removeSystem('late');
  await t.rejects(fetch(lateUrl + '/redfish/v1/'), 'a removed system stops listening');
});

t.test('TLS: self-signed HTTPS that redfishtool accepts', async (t) => {
  const srv = await startRedfishServer({ systems: fakeSystems(1), tls: true });
  t.teardown(() => srv.close());
  t.match(srv.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const body = await new Promise<string>((resolve, reject) => {
    const req = request(srv.url + '/redfish/v1/', { rejectUnauthorized: false }, (res) => {
      let s = '';
      res.on('data', (d: Buffer) => (s += d.toString()));
      res.on('end', () => resolve(s));
    });
    req.on('error', reject);
    req.end();
  });
  t.equal(JSON.parse(body).Id, 'RootService');
  const r = await run('redfishtool', ['-r', srv.url.slice('https://'.length), '-u', 'admin', '-p', 'password', '-S', 'Always', 'Systems', 'list']);
  t.match(r.stdout, /"Id": "sys-0"/);
});

t.test('a per-system address that cannot be bound fails the start and leaves nothing listening', async (t) => {
  const first = fakeSystems(1);
  first[0]!.redfish = { host: '127.22.0.9', port: 0 };
  const a = await startRedfishServer({ systems: first, perSystemListeners: true });
  t.teardown(() => a.close());
  const taken = new URL(a.systemUrl('sys-0')!);
  // A free port on another loopback address for the main listener, so we can check it is closed afterwards.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.22.0.10', r));
  const mainPort = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const sys = fakeSystems(1);
  sys[0]!.redfish = { host: taken.hostname, port: Number(taken.port) };
  await t.rejects(startRedfishServer({ systems: sys, perSystemListeners: true, host: '127.22.0.10', port: mainPort }), { code: 'EADDRINUSE' });
  await t.rejects(fetch(`http://127.22.0.10:${mainPort}/redfish/v1/`), 'the main listener was closed again');
  t.equal((await rfClient(a.systemUrl('sys-0')!).get('/redfish/v1/Systems/sys-0')).status, 200, 'the other server is untouched');
});
