import t from 'tap';
import { startRedfishServer } from '../../../../lab/bmc/redfish/redfish-server.ts';
import { noBmcFaults } from '../../../../lab/faults/fault-hooks.ts';
import type { EventBody } from '../../../../lab/base/event.ts';
import { createRng } from '../../../../lab/base/rng.ts';
import { rfClient } from './fixtures/redfish-client.ts';
import { fakeSystems } from './fixtures/systems.ts';

t.test('BMC faults are honoured on every request of the faulty BMC only', async (t) => {
  const sys = fakeSystems(2);
  const faults = noBmcFaults();
  sys[0]!.faults = faults;
  const events: EventBody[] = [];
  const srv = await startRedfishServer({ systems: sys, rng: createRng(7), events: { emit: (e) => events.push(e) } });
  t.teardown(() => srv.close());
  const c = rfClient(srv.url);

  faults.authFailure = true;
  t.equal((await c.get('/redfish/v1/Systems/sys-0')).status, 401, 'auth failure: valid credentials refused');
  t.equal((await c.post('/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset', { ResetType: 'On' })).status, 401);
  t.equal(sys[0]!.machine.power(), 'off');
  t.equal((await c.get('/redfish/v1/Systems/sys-1')).status, 200, 'other BMCs unaffected');
  faults.authFailure = false;

  faults.slowMs = 300;
  let t0 = Date.now();
  t.equal((await c.get('/redfish/v1/Systems/sys-0/Bios')).status, 200);
  t.ok(Date.now() - t0 >= 290, 'slow: answer delayed');
  faults.slowMs = 0;

  faults.errorRate = 1;
  faults.errorStatus = 503;
  const e503 = await c.get('/redfish/v1/Systems/sys-0');
  t.equal(e503.status, 503);
  t.equal(e503.body.error.code, 'Base.1.15.ServiceTemporarilyUnavailable');
  t.equal(e503.headers.get('retry-after'), '1');
  faults.errorStatus = 500;
  const e500 = await c.post('/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset', { ResetType: 'On' });
  t.equal(e500.status, 500);
  t.equal(e500.body.error.code, 'Base.1.15.InternalError');
  t.equal(sys[0]!.machine.power(), 'off', 'a failed request does nothing');
  faults.errorRate = 0.5;
  let errors = 0;
  for (let i = 0; i < 60; i++) if ((await c.get('/redfish/v1/Chassis/sys-0')).status === 500) errors++;
  t.ok(errors > 15 && errors < 45, `about half fail (${errors}/60)`);
  faults.errorRate = 0;

  faults.hang = true;
  const ac = new AbortController();
  const hung = fetch(srv.url + '/redfish/v1/Systems/sys-0', { signal: ac.signal, headers: { Authorization: 'Basic ' + Buffer.from('admin:password').toString('base64') } });
  const outcome = await Promise.race([hung.then(() => 'answered', () => 'aborted'), new Promise((r) => setTimeout(() => r('pending'), 400))]);
  t.equal(outcome, 'pending', 'hang: no answer');
  t.equal((await c.get('/redfish/v1/Systems/sys-1')).status, 200, 'the server still serves other BMCs');
  ac.abort();
  await hung.catch(() => undefined);
  faults.hang = false;
  t0 = Date.now();
  t.equal((await c.get('/redfish/v1/Systems/sys-0')).status, 200, 'healed');
  t.ok(Date.now() - t0 < 1000);

  await new Promise((r) => setTimeout(r, 50));
  const reqs = events.filter((e): e is Extract<EventBody, { kind: 'bmc.request' }> => e.kind === 'bmc.request');
  t.ok(reqs.some((e) => e.bmc === 'sys-0' && e.status === 503 && e.op === 'GET System'));
  t.ok(reqs.some((e) => e.bmc === 'sys-0' && e.status === 500 && e.op === 'POST Reset'));
  t.ok(reqs.some((e) => e.bmc === 'sys-0' && e.status === 'aborted'), 'a hung request is logged when the client gives up');
  t.ok(reqs.every((e) => e.proto === 'redfish' && typeof e.ms === 'number'));
});

t.test('close() ends hung requests', async (t) => {
  const sys = fakeSystems(1);
  sys[0]!.faults = { ...noBmcFaults(), hang: true };
  const srv = await startRedfishServer({ systems: sys });
  const hung = fetch(srv.url + '/redfish/v1/Systems/sys-0').then(
    () => 'answered',
    () => 'closed',
  );
  await new Promise((r) => setTimeout(r, 100));
  await srv.close();
  t.equal(await hung, 'closed');
});
