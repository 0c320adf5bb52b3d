/**
 * Bounded memory (issue 19): what a long-running Redfish BMC keeps grows to a stated limit and
 * no further — boot history per machine, tasks, sessions — with the oldest dropped first.
 */
import t from 'tap';
import { startRedfishServer } from '../../../../lab/bmc/redfish/redfish-server.ts';
import { BOOT_HISTORY_MAX } from '../../../../lab/nodes/fake/fake-machine.ts';
import type { FakeMachine } from '../../../../lab/nodes/fake/fake-machine.ts';
import { rfClient } from './fixtures/redfish-client.ts';
import { fakeSystems, manualClock } from './fixtures/systems.ts';

const S = '/redfish/v1/Systems/sys-0';

t.test(`a machine power-cycled through Redfish keeps only its newest ${BOOT_HISTORY_MAX} boots, in order`, async (t) => {
  const sys = fakeSystems(1);
  const m = sys[0]!.machine as FakeMachine;
  const srv = await startRedfishServer({ systems: sys });
  t.teardown(() => srv.close());
  const c = rfClient(srv.url);
  const boot = async (target: string) => {
    t.equal((await c.patch(S, { Boot: { BootSourceOverrideTarget: target, BootSourceOverrideEnabled: 'Continuous' } })).status, 200);
    t.equal((await c.post(`${S}/Actions/ComputerSystem.Reset`, { ResetType: 'PowerCycle' })).status, 204);
  };
  const k = 5;
  for (let i = 0; i < k; i++) await boot('Cd');
  for (let i = 0; i < BOOT_HISTORY_MAX; i++) await boot('Pxe');
  t.equal(m.bootCount, BOOT_HISTORY_MAX + k, 'every boot is counted');
  t.equal(m.boots.length, BOOT_HISTORY_MAX, 'N + k boots leave N records');
  t.ok(
    m.boots.every((b) => b.device === 'pxe'),
    'the k oldest (Cd) boots were the ones dropped',
  );
  await boot('Hdd');
  t.equal(m.boots.length, BOOT_HISTORY_MAX);
  t.equal(m.boots.at(-1)?.device, 'hdd', 'the newest boot is last');
  t.equal(m.boots[0]?.device, 'pxe');
});

t.test('tasks: N + k SimpleUpdates leave the newest N; the oldest answer 404', async (t) => {
  const n = 4;
  const k = 3;
  const srv = await startRedfishServer({ systems: fakeSystems(1), clock: manualClock(), maxTasks: n });
  t.teardown(() => srv.close());
  const c = rfClient(srv.url);
  const tasks: string[] = [];
  for (let i = 0; i < n + k; i++) {
    const r = await c.post('/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate', { ImageURI: `http://127.0.0.1/fw-${i}.bin`, Targets: [S] });
    t.equal(r.status, 202);
    tasks.push(r.headers.get('location')!.replace(/\/Monitor$/, ''));
  }
  const list = (await c.get('/redfish/v1/TaskService/Tasks')).body;
  t.equal(list['Members@odata.count'], n);
  t.same(
    list.Members.map((x: { '@odata.id': string }) => x['@odata.id']),
    tasks.slice(k),
    'the newest N, oldest first',
  );
  for (const gone of tasks.slice(0, k)) t.equal((await c.get(gone)).status, 404, `${gone} was evicted`);
  t.equal((await c.get(tasks.at(-1)!)).status, 200);
});

t.test('sessions: never more than maxSessions; expired ones make room, live ones are kept', async (t) => {
  const clock = manualClock();
  const n = 3;
  const srv = await startRedfishServer({ systems: fakeSystems(1), clock, maxSessions: n, sessionTimeoutSec: 60 });
  t.teardown(() => srv.close());
  const anon = rfClient(srv.url, null);
  const login = () => anon.post('/redfish/v1/SessionService/Sessions', { UserName: 'admin', Password: 'password' });
  const count = async () => (await rfClient(srv.url).get('/redfish/v1/SessionService/Sessions')).body['Members@odata.count'] as number;
  const first: string[] = [];
  for (let i = 0; i < n; i++) first.push((await login()).headers.get('x-auth-token')!);
  for (let i = 0; i < 2; i++) t.equal((await login()).status, 503, 'a full table of live sessions refuses, it does not evict');
  t.equal(await count(), n);
  clock.advance(30_000);
  t.equal((await rfClient(srv.url, { token: first[2]! }).get(S)).status, 200, 'the newest is used and so kept alive');
  clock.advance(31_000);
  for (let i = 0; i < n + 2; i++) await login();
  t.equal(await count(), n, 'N + k logins after expiry leave N sessions');
  t.equal((await rfClient(srv.url, { token: first[0]! }).get(S)).status, 401, 'an expired session stays expired');
  t.equal((await rfClient(srv.url, { token: first[2]! }).get(S)).status, 200, 'the live one was not evicted');
});
