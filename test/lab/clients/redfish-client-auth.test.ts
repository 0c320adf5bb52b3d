/**
 * Redfish client authentication against fleetlab's Redfish emulator: session, basic and auto;
 * a session deleted server-side by another client is replaced transparently; close() logs out;
 * wrong credentials map to BMC_CLIENT_AUTH; the transcript carries no password or token.
 */
import t from 'tap';
import { ERRORS } from '../../../lab/base/errors.ts';
import { RedfishClient } from '../../../lab/clients/redfish/redfish-client.ts';
import { Transcript } from '../../../lab/clients/redfish/redfish-transcript.ts';
import { RedfishSystem } from '../../../lab/clients/redfish/redfish-system.ts';
import { PASSWORD, USER, eventLog, startBmc } from './fixtures/redfish-bmc.ts';

const SESSIONS = '/redfish/v1/SessionService/Sessions';

t.test('three auth modes: session and auto log in and out, basic never creates a session', async (t) => {
  const bmc = await startBmc(1);
  t.teardown(() => bmc.srv.close());
  for (const mode of ['session', 'basic', 'auto'] as const) {
    const log = eventLog();
    const c = new RedfishClient({ url: bmc.srv.url, username: USER, password: PASSWORD, auth: mode, onEvent: log.on });
    const sys = new RedfishSystem(c, 'sys-0');
    t.equal(await sys.powerState(), 'Off', `${mode}: reads the system`);
    await sys.setBootOverride({ enabled: 'Once', target: 'Pxe', mode: 'UEFI' });
    t.same(await sys.bootOverride(), { enabled: 'Once', target: 'Pxe', mode: 'UEFI' }, `${mode}: PATCH applied`);
    const expected = mode === 'basic' ? 'basic' : 'session';
    t.equal(c.authMode, expected, `${mode} → ${expected}`);
    const live = (await bmc.other.get(SESSIONS)).body.Members as { '@odata.id': string }[];
    t.equal(live.length, expected === 'session' ? 1 : 0, `${mode}: sessions on the BMC while connected`);
    if (expected === 'session') t.equal(live[0]!['@odata.id'], c.sessionUri, 'the session is the client\'s');
    await c.close();
    t.equal(((await bmc.other.get(SESSIONS)).body.Members as unknown[]).length, 0, `${mode}: no session left after close`);
    t.equal(log.of('logout').length, expected === 'session' ? 1 : 0, `${mode}: logout reported`);
    await bmc.other.patch('/redfish/v1/Systems/sys-0', { Boot: { BootSourceOverrideEnabled: 'Disabled' } });
  }
});

t.test('a session deleted server-side is replaced by a new login, transparently', async (t) => {
  const bmc = await startBmc(1);
  t.teardown(() => bmc.srv.close());
  const log = eventLog();
  const c = new RedfishClient({ url: bmc.srv.url, username: USER, password: PASSWORD, auth: 'session', onEvent: log.on });
  t.teardown(() => c.close());
  const sys = new RedfishSystem(c, 'sys-0');
  await sys.reset('On');
  const first = c.sessionUri;
  t.ok(first, 'logged in');
  t.equal((await bmc.other.del(first!)).status, 204, 'another client deletes the session');
  t.equal(await sys.powerState(), 'On', 'the next request still succeeds');
  t.equal(log.of('relogin').length, 1, 'one re-login');
  t.not(c.sessionUri, first, 'under a new session');
  await sys.reset('ForceOff');
  t.equal(await sys.powerState(), 'Off');
  t.equal(log.of('relogin').length, 1, 'no further logins while the new session lives');
});

t.test('many requests in flight on a deleted session share one new login', async (t) => {
  const bmc = await startBmc(1);
  t.teardown(() => bmc.srv.close());
  const c = new RedfishClient({ url: bmc.srv.url, username: USER, password: PASSWORD, auth: 'session' });
  t.teardown(() => c.close());
  await c.get('/redfish/v1/Systems/sys-0');
  await bmc.other.del(c.sessionUri!);
  const replies = await Promise.all(Array.from({ length: 16 }, () => c.get<{ Id: string }>('/redfish/v1/Systems/sys-0')));
  t.ok(replies.every((r) => r.status === 200 && r.body.Id === 'sys-0'), 'all 16 succeed');
  const live = (await bmc.other.get(SESSIONS)).body.Members as { '@odata.id': string }[];
  t.same(live.map((m) => m['@odata.id']), [c.sessionUri], 'exactly one session on the BMC: the new one');
});

t.test('wrong password: BMC_CLIENT_AUTH in every mode, nothing changed on the BMC', async (t) => {
  const bmc = await startBmc(1);
  t.teardown(() => bmc.srv.close());
  for (const mode of ['session', 'basic', 'auto'] as const) {
    const c = new RedfishClient({ url: bmc.srv.url, username: USER, password: 'not-the-password', auth: mode });
    await t.rejects(new RedfishSystem(c, 'sys-0').reset('On'), { code: ERRORS.BMC_CLIENT_AUTH.code }, mode);
    await c.close();
  }
  t.equal(bmc.systems[0]!.machine.power(), 'off', 'still off');
});

t.test('transcript: method, URI, status, ms for every exchange; no password, no token', async (t) => {
  const bmc = await startBmc(1);
  t.teardown(() => bmc.srv.close());
  for (const mode of ['session', 'basic'] as const) {
    const transcript = new Transcript();
    const c = new RedfishClient({ url: bmc.srv.url, username: USER, password: PASSWORD, auth: mode, transcript });
    const sys = new RedfishSystem(c, 'sys-0');
    await sys.insertMedia('http://127.0.0.1:9/boot.iso');
    await sys.ejectMedia();
    await c.close();
    const ops = transcript.entries.map((e) => `${e.method} ${e.uri} ${e.status}`);
    t.ok(ops.includes('GET /redfish/v1/ 200'), `${mode}: service root discovery recorded`);
    t.ok(ops.some((o) => /^POST \/redfish\/v1\/Systems\/sys-0\/VirtualMedia\/Cd\/Actions\/VirtualMedia.InsertMedia 204$/.test(o)), `${mode}: insert recorded`);
    if (mode === 'session') {
      t.ok(ops.includes(`POST ${SESSIONS} 201`), 'login recorded');
      t.ok(ops.some((o) => /^DELETE \/redfish\/v1\/SessionService\/Sessions\/\d+ 204$/.test(o)), 'logout recorded');
    }
    t.ok(transcript.entries.every((e) => typeof e.ms === 'number' && e.ms >= 0), 'timings');
    const text = JSON.stringify(transcript);
    t.notOk(text.includes(PASSWORD), `${mode}: no password`);
    t.notOk(text.includes(Buffer.from(`${USER}:${PASSWORD}`).toString('base64')), `${mode}: no Basic credentials`);
    t.notOk(/[0-9a-f]{32}/.test(text), `${mode}: no session token`);
    t.ok(text.includes('[redacted]'), `${mode}: credentials replaced, not dropped silently`);
  }
});
