/**
 * Redfish client resilience against fleetlab's emulator and fronts of it: the ETag retry on 412,
 * bounded retries (each an event) on 503, connection resets and timeouts, refused connections,
 * auto auth on a Basic-only BMC, and TLS trust (CA file, insecure opt-in, untrusted refused).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import t from 'tap';
import { ERRORS } from '../../../lab/base/errors.ts';
import { selfSignedCert } from '../../../lab/bmc/redfish/tls-cert.ts';
import { AgentPool } from '../../../lab/clients/redfish/redfish-agents.ts';
import { RedfishClient } from '../../../lab/clients/redfish/redfish-client.ts';
import { RedfishSystem } from '../../../lab/clients/redfish/redfish-system.ts';
import { Transcript } from '../../../lab/clients/redfish/redfish-transcript.ts';
import { PASSWORD, USER, eventLog, startBmc } from './fixtures/redfish-bmc.ts';
import { noSessionFront, peerCertificatePem, resettingProxy } from './fixtures/fronts.ts';

const creds = { username: USER, password: PASSWORD };

t.test('PATCH with a stale ETag: 412, fresh GET, one retry that succeeds', async (t) => {
  const bmc = await startBmc(1);
  t.teardown(() => bmc.srv.close());
  const log = eventLog();
  const transcript = new Transcript();
  const c = new RedfishClient({ url: bmc.srv.url, ...creds, auth: 'basic', onEvent: log.on, transcript });
  t.teardown(() => c.close());
  const sys = new RedfishSystem(c, 'sys-0');
  await sys.bootOverride(); // remembers the system's ETag
  t.equal((await bmc.other.patch('/redfish/v1/Systems/sys-0', { AssetTag: 'rack-7' })).status, 200, 'someone else changes the system');
  await sys.setBootOverride({ enabled: 'Continuous', target: 'Hdd', mode: 'Legacy' });
  const patches = transcript.entries.filter((e) => e.method === 'PATCH');
  t.same(patches.map((e) => e.status), [412, 200], 'stale If-Match refused, then accepted');
  t.not(patches[0]!.requestHeaders['If-Match'], patches[1]!.requestHeaders['If-Match'], 'the retry carries the new ETag');
  t.equal(log.of('precondition-retry').length, 1, 'the retry is an event');
  t.same(bmc.systems[0]!.machine.bootOverride, { target: 'hdd', mode: 'legacy', once: false }, 'the BMC has the override');
  t.equal((await bmc.other.get('/redfish/v1/Systems/sys-0')).body.AssetTag, 'rack-7', 'and the other change survived');
});

t.test('503: retried with Retry-After honoured, each retry an event; bounded when it persists', async (t) => {
  const bmc = await startBmc(1);
  t.teardown(() => bmc.srv.close());
  const f = bmc.faults(0);
  Object.assign(f, { errorRate: 1, errorStatus: 503 });
  const log = eventLog();
  const c = new RedfishClient({
    url: bmc.srv.url,
    ...creds,
    auth: 'basic',
    retry: { retries: 3, backoffMs: 20 },
    onEvent: (e) => {
      log.on(e);
      if (e.type === 'retry' && log.of('retry').length === 2) f.errorRate = 0; // the BMC recovers after two retries
    },
  });
  t.teardown(() => c.close());
  t.equal(await new RedfishSystem(c, 'sys-0').powerState(), 'Off', 'succeeds once the BMC recovers');
  const retries = log.of('retry');
  t.equal(retries.length, 2);
  t.same(retries.map((r) => [r.attempt, r.reason, r.status]), [[1, 'status-503', 503], [2, 'status-503', 503]]);
  t.ok(retries.every((r) => r.delayMs >= 1000), 'waited at least the BMC\'s Retry-After: 1');

  f.errorRate = 1;
  const log2 = eventLog();
  const c2 = new RedfishClient({ url: bmc.srv.url, ...creds, auth: 'basic', retry: { retries: 2, backoffMs: 10, maxBackoffMs: 50 }, onEvent: log2.on });
  t.teardown(() => c2.close());
  await t.rejects(c2.get('/redfish/v1/Systems/sys-0'), { code: ERRORS.BMC_CLIENT_REFUSED.code, details: { status: 503 } }, 'gives up after the bounded retries');
  t.equal(log2.of('retry').length, 2, 'exactly `retries` retries');
});

t.test('timeout: a hanging BMC is retried after the per-attempt timeout; a persistent hang is BMC_CLIENT_TIMEOUT', async (t) => {
  const bmc = await startBmc(1);
  t.teardown(() => bmc.srv.close());
  const f = bmc.faults(0);
  f.hang = true;
  const log = eventLog();
  const c = new RedfishClient({
    url: bmc.srv.url,
    ...creds,
    auth: 'basic',
    timeoutMs: 300,
    retry: { retries: 2, backoffMs: 10 },
    onEvent: (e) => {
      log.on(e);
      if (e.type === 'retry') f.hang = false;
    },
  });
  t.teardown(() => c.close());
  t.equal(await new RedfishSystem(c, 'sys-0').powerState(), 'Off');
  t.same(log.of('retry').map((r) => r.reason), ['timeout']);

  f.hang = true;
  const c2 = new RedfishClient({ url: bmc.srv.url, ...creds, auth: 'basic', timeoutMs: 200, retry: { retries: 1, backoffMs: 10 } });
  t.teardown(() => c2.close());
  await t.rejects(c2.get('/redfish/v1/Systems/sys-0'), { code: ERRORS.BMC_CLIENT_TIMEOUT.code });
});

t.test('a POST that timed out is not repeated (it may have acted): one Reset reaches the BMC', async (t) => {
  const bmc = await startBmc(1);
  t.teardown(() => bmc.srv.close());
  const log = eventLog();
  const c = new RedfishClient({ url: bmc.srv.url, ...creds, auth: 'basic', timeoutMs: 300, retry: { retries: 3, backoffMs: 10 }, onEvent: log.on });
  t.teardown(() => c.close());
  const sys = new RedfishSystem(c, 'sys-0');
  await sys.uri();
  const resets: string[] = [];
  const m = bmc.systems[0]!.machine;
  const orig = m.setPower.bind(m);
  m.setPower = (op) => {
    resets.push(op);
    return new Promise((r) => setTimeout(r, 1500)).then(() => orig(op)); // the BMC acts, slowly
  };
  await t.rejects(sys.reset('On'), { code: ERRORS.BMC_CLIENT_TIMEOUT.code });
  t.equal(log.of('retry').length, 0, 'no retry of the POST');
  await new Promise((r) => setTimeout(r, 2000));
  t.same(resets, ['on'], 'the BMC saw exactly one Reset');
});

t.test('connection reset: retried on a fresh connection', async (t) => {
  const bmc = await startBmc(1);
  t.teardown(() => bmc.srv.close());
  const proxy = await resettingProxy(bmc.srv.url, 2);
  t.teardown(() => proxy.close());
  const log = eventLog();
  const c = new RedfishClient({ url: proxy.url, ...creds, auth: 'session', retry: { retries: 3, backoffMs: 10 }, onEvent: log.on });
  t.teardown(() => c.close());
  t.equal(await new RedfishSystem(c, 'sys-0').powerState(), 'Off');
  t.equal(proxy.resetsDone(), 2, 'two connections were reset');
  t.same(log.of('retry').map((r) => [r.reason, r.status]), [['connection-reset', 'ECONNRESET'], ['connection-reset', 'ECONNRESET']]);
});

t.test('keep-alive agent pooled per BMC: clients of one BMC share warm sockets; the last close frees it', async (t) => {
  const bmc = await startBmc(1);
  t.teardown(() => bmc.srv.close());
  const proxy = await resettingProxy(bmc.srv.url, 0);
  t.teardown(() => proxy.close());
  const agents = new AgentPool();
  const a = new RedfishClient({ url: proxy.url, ...creds, auth: 'session', agents });
  const b = new RedfishClient({ url: proxy.url, ...creds, auth: 'basic', agents });
  t.equal(agents.size, 1, 'one agent for the BMC');
  for (let i = 0; i < 10; i++) {
    await a.get('/redfish/v1/Systems/sys-0');
    await b.get('/redfish/v1/Systems/sys-0');
  }
  t.equal(proxy.connections(), 1, '20+ sequential requests from two clients over one TCP connection');
  await a.close();
  t.equal(agents.size, 1, 'still held by the other client');
  await b.close();
  t.equal(agents.size, 0, 'released with the last client');
});

t.test('refused connection: BMC_CLIENT_UNREACHABLE, not retried', async (t) => {
  const free = net.createServer();
  await new Promise<void>((r) => free.listen(0, '127.0.0.1', () => r()));
  const port = (free.address() as net.AddressInfo).port;
  await new Promise<void>((r) => free.close(() => r()));
  const log = eventLog();
  const c = new RedfishClient({ url: `http://127.0.0.1:${port}`, ...creds, onEvent: log.on });
  await t.rejects(c.get('/redfish/v1/Systems'), { code: ERRORS.BMC_CLIENT_UNREACHABLE.code });
  t.equal(log.of('retry').length, 0);
  await c.close();
});

t.test('auto on a BMC without SessionService uses Basic', async (t) => {
  const bmc = await startBmc(1);
  t.teardown(() => bmc.srv.close());
  const front = await noSessionFront(bmc.srv.url);
  t.teardown(() => front.close());
  const c = new RedfishClient({ url: front.url, ...creds, auth: 'auto' });
  t.teardown(() => c.close());
  const sys = new RedfishSystem(c, 'sys-0');
  await sys.reset('On');
  t.equal(c.authMode, 'basic');
  t.equal(bmc.systems[0]!.machine.power(), 'on', 'the reset went through');
  const forced = new RedfishClient({ url: front.url, ...creds, auth: 'session' });
  await t.rejects(forced.get('/redfish/v1/Systems'), { code: ERRORS.BMC_CLIENT_UNSUPPORTED.code }, 'session mode does not silently fall back');
  await forced.close();
});

t.test('TLS: CA file trusted, insecure opt-in, otherwise refused', async (t) => {
  const bmc = await startBmc(1, { tls: true });
  t.teardown(() => bmc.srv.close());
  const dir = await mkdtemp(join(tmpdir(), 'fleetlab-ca-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const caFile = join(dir, 'bmc.pem');
  await writeFile(caFile, await peerCertificatePem(bmc.srv.url));
  const otherCa = join(dir, 'other.pem');
  await writeFile(otherCa, (await selfSignedCert()).cert);

  for (const trust of [{ caFile }, { insecure: true }]) {
    const c = new RedfishClient({ url: bmc.srv.url, ...creds, auth: 'session', ...trust });
    t.equal(await new RedfishSystem(c, 'sys-0').powerState(), 'Off', `works with ${Object.keys(trust)[0]}`);
    await c.close();
  }
  for (const [what, trust] of [['system store', {}], ['another CA', { caFile: otherCa }]] as const) {
    const c = new RedfishClient({ url: bmc.srv.url, ...creds, ...trust });
    await t.rejects(c.get('/redfish/v1/Systems'), { code: ERRORS.BMC_CLIENT_TLS.code }, `${what}: untrusted certificate refused`);
    await c.close();
  }
  t.throws(() => new RedfishClient({ url: bmc.srv.url, ...creds, caFile, insecure: true }), { code: ERRORS.BMC_CLIENT_OPTIONS.code });
  t.throws(() => new RedfishClient({ url: bmc.srv.url, ...creds, caFile: join(dir, 'missing.pem') }), { code: ERRORS.BMC_CLIENT_OPTIONS.code, message: /missing\.pem/ });
});
