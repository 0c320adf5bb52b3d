import t from 'tap';
import { startRedfishServer } from '../../../../lab/bmc/redfish/redfish-server.ts';
import { rfClient } from './fixtures/redfish-client.ts';
import { fakeSystems, manualClock } from './fixtures/systems.ts';

const login = (url: string, user = 'admin', password = 'password') => rfClient(url, null).post('/redfish/v1/SessionService/Sessions', { UserName: user, Password: password });

t.test('session login, use, list, delete', async (t) => {
  const srv = await startRedfishServer({ systems: fakeSystems(1) });
  t.teardown(() => srv.close());
  const r = await login(srv.url);
  t.equal(r.status, 201);
  const token = r.headers.get('x-auth-token')!;
  t.match(token, /^[0-9a-f]{32}$/);
  t.equal(r.headers.get('location'), r.body['@odata.id']);
  t.equal(r.body.UserName, 'admin');
  const s = rfClient(srv.url, { token });
  t.equal((await s.get('/redfish/v1/Systems/sys-0')).status, 200);
  t.equal((await s.get('/redfish/v1/SessionService/Sessions')).body['Members@odata.count'], 1);
  t.equal((await s.get(r.headers.get('location')!)).body.Id, r.body.Id);
  t.equal((await s.del(r.headers.get('location')!)).status, 204);
  t.equal((await s.get('/redfish/v1/Systems/sys-0')).status, 401, 'a deleted session no longer authenticates');
  t.equal((await rfClient(srv.url, { token: 'f'.repeat(32) }).get('/redfish/v1/Systems')).status, 401);
  const missing = await rfClient(srv.url, null).post('/redfish/v1/SessionService/Sessions', { UserName: 'admin' });
  t.equal(missing.status, 400);
  t.equal(missing.body.error.code, 'Base.1.15.ActionParameterMissing');
});

t.test('sessions expire after SessionTimeout of inactivity (lazy, no timers)', async (t) => {
  const clock = manualClock();
  const srv = await startRedfishServer({ systems: fakeSystems(1), clock, sessionTimeoutSec: 60 });
  t.teardown(() => srv.close());
  const token = (await login(srv.url)).headers.get('x-auth-token')!;
  const s = rfClient(srv.url, { token });
  t.equal((await s.get('/redfish/v1/SessionService')).body.SessionTimeout, 60);
  clock.advance(50_000);
  t.equal((await s.get('/redfish/v1/Systems')).status, 200, 'use refreshes the session');
  clock.advance(50_000);
  t.equal((await s.get('/redfish/v1/Systems')).status, 200);
  clock.advance(61_000);
  t.equal((await s.get('/redfish/v1/Systems')).status, 401, 'idle longer than the timeout');
});

t.test('max sessions: 503 SessionLimitExceeded until one is freed or expires', async (t) => {
  const clock = manualClock();
  const srv = await startRedfishServer({ systems: fakeSystems(1), clock, maxSessions: 2, sessionTimeoutSec: 60 });
  t.teardown(() => srv.close());
  const a = await login(srv.url);
  await login(srv.url);
  const third = await login(srv.url);
  t.equal(third.status, 503);
  t.equal(third.body.error.code, 'Base.1.15.SessionLimitExceeded');
  t.equal(third.headers.get('x-auth-token'), null);
  t.equal((await rfClient(srv.url, { token: a.headers.get('x-auth-token')! }).del(a.headers.get('location')!)).status, 204);
  t.equal((await login(srv.url)).status, 201, 'a freed slot can be used');
  t.equal((await login(srv.url)).status, 503);
  clock.advance(61_000);
  t.equal((await login(srv.url)).status, 201, 'expired sessions are swept when the table is full');
});

t.test('a session is scoped to the credentials that created it', async (t) => {
  const srv = await startRedfishServer({ systems: [...fakeSystems(1), ...fakeSystems(2, { username: 'bob', password: 'b' }).slice(1)] });
  t.teardown(() => srv.close());
  const bob = rfClient(srv.url, { token: (await login(srv.url, 'bob', 'b')).headers.get('x-auth-token')! });
  t.equal((await bob.get('/redfish/v1/Systems/sys-1')).status, 200);
  t.equal((await bob.get('/redfish/v1/Systems/sys-0')).status, 401);
  const adminSession = await login(srv.url);
  t.equal((await bob.get(adminSession.headers.get('location')!)).status, 404, "bob cannot see admin's session");
});
