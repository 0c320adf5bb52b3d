/**
 * BMC-side state and faults: the 60 s boot-flag timer (and Ironic's way of disabling it), timed
 * identify, cold reset, distinct addresses per BMC, and the hang / slow / error / events surface.
 */
import t from 'tap';
import { noBmcFaults } from '../../../../lab/faults/fault-hooks.ts';
import { LanplusClient, ipmitool, manualClock, rawBytes, startLab } from './fixtures/ipmi-test-kit.ts';

t.test('boot flags: valid bit cleared 60 s after Set unless param 3 bit 3 or a Chassis Control', async (t) => {
  const clock = manualClock();
  const lab = await startLab(1, { clock });
  t.teardown(() => lab.close());
  const m = lab.machines[0]!;
  const ipmi = (...args: string[]) => ipmitool(lab.addresses[0]!, 17, args);

  await ipmi('chassis', 'bootdev', 'pxe', 'options=persistent');
  clock.advance(59_000);
  t.match((await ipmi('chassis', 'bootparam', 'get', '5')).stdout, /Boot Flag Valid/, 'still valid at 59 s');
  clock.advance(2_000);
  t.match((await ipmi('chassis', 'bootparam', 'get', '5')).stdout, /Boot Flag Invalid/, 'cleared at 61 s');
  t.equal(m.bootOverride.target, 'none', 'and the machine no longer has the override');

  await ipmi('chassis', 'bootdev', 'pxe', 'options=persistent');
  clock.advance(30_000);
  await ipmi('power', 'on');
  clock.advance(60_000);
  t.equal(m.bootOverride.target, 'pxe', 'a Chassis Control within 60 s stops the timer');

  // Expiry also happens when the machine powers on by itself (no IPMI traffic in between).
  await ipmi('power', 'off');
  await ipmi('chassis', 'bootdev', 'cdrom');
  clock.advance(61_000);
  await m.setPower('on');
  t.equal(m.boots.at(-1)?.device, 'hdd', 'an expired one-time override is not used by the next boot');

  await ipmi('raw', '0x00', '0x08', '0x03', '0x08');
  await ipmi('chassis', 'bootdev', 'disk', 'options=persistent');
  clock.advance(600_000);
  t.match((await ipmi('chassis', 'bootparam', 'get', '5')).stdout, /Force Boot from default Hard-Drive/);
  t.same(m.bootOverride, { target: 'hdd', mode: 'legacy', once: false }, 'param 3 = 0x08 disables the timer (Ironic)');
});

t.test('identify: timed, forced, off', async (t) => {
  const clock = manualClock();
  const lab = await startLab(1, { clock });
  t.teardown(() => lab.close());
  const ipmi = (...args: string[]) => ipmitool(lab.addresses[0]!, 3, args);
  const identify = async () => (rawBytes((await ipmi('raw', '0x00', '0x01')).stdout)[2]! >> 4) & 3;
  await ipmi('chassis', 'identify', '5');
  t.equal(await identify(), 1);
  clock.advance(5_001);
  t.equal(await identify(), 0, 'off after 5 s');
  await ipmi('chassis', 'identify', 'force');
  clock.advance(3_600_000);
  t.equal(await identify(), 2, 'forced on stays on');
});

t.test('cold reset ends every session', async (t) => {
  const lab = await startLab(1);
  t.teardown(() => lab.close());
  const a = lab.addresses[0]!;
  const c = new LanplusClient(a.host, a.port);
  await c.bind();
  t.teardown(() => c.close());
  t.equal(await c.connect(), 0);
  t.equal((await ipmitool(a, 3, ['mc', 'reset', 'cold'])).code, 0);
  t.equal(await c.sendPacket(c.packet(0x06, 0x01), 200), null);
  t.equal((await ipmitool(a, 3, ['mc', 'info'])).code, 0, 'new sessions work');
});

t.test('each BMC on its own loopback address', async (t) => {
  const lab = await startLab(3, { hosts: ['127.31.3.1', '127.31.3.2', '127.31.3.3'] });
  t.teardown(() => lab.close());
  t.same(lab.addresses.map((x) => x.host), ['127.31.3.1', '127.31.3.2', '127.31.3.3']);
  t.equal((await ipmitool(lab.addresses[1]!, 17, ['power', 'on'])).code, 0);
  t.same(lab.machines.map((m) => m.power()), ['off', 'on', 'off']);
  t.same(lab.sink.requests('chassis.control').map((e) => e.bmc), ['node-1']);
});

t.test('1,000 BMCs in one server: each address reaches its own machine', async (t) => {
  const hosts = Array.from({ length: 1000 }, (_, i) => `127.31.${20 + Math.floor(i / 250)}.${(i % 250) + 1}`);
  const lab = await startLab(1000, { hosts });
  t.teardown(() => lab.close());
  t.equal(new Set(lab.addresses.map((x) => x.host)).size, 1000);
  t.equal((await ipmitool(lab.addresses[737]!, 17, ['power', 'on'])).code, 0);
  t.same(
    lab.machines.flatMap((m, i) => (m.power() === 'on' ? [i] : [])),
    [737],
  );
});

t.test('faults: hang, slow, error completion codes', async (t) => {
  const lab = await startLab(1);
  t.teardown(() => lab.close());
  const faults = noBmcFaults();
  lab.systems[0]!.faults = faults;
  const a = lab.addresses[0]!;
  const c = new LanplusClient(a.host, a.port);
  await c.bind();
  t.teardown(() => c.close());
  t.equal(await c.connect(), 0);
  await c.cmd(0x06, 0x3b, [0x04]);

  faults.hang = true;
  t.equal(await c.cmd(0x00, 0x01), null, 'hung BMC does not answer');
  t.match(lab.sink.requests('chassis.status').at(-1), { status: 'hang' });
  faults.hang = false;

  faults.slowMs = 300;
  const t0 = performance.now();
  t.equal((await c.sendPacket(c.packet(0x00, 0x01), 2000))?.cc, 0);
  t.ok(performance.now() - t0 >= 290, 'answer delayed by slowMs');
  faults.slowMs = 0;

  faults.errorRate = 1;
  faults.errorStatus = 503;
  t.equal((await c.cmd(0x00, 0x02, [0x01]))?.cc, 0xc0, '503 → 0xC0 node busy');
  faults.errorStatus = 500;
  t.equal((await c.cmd(0x00, 0x02, [0x01]))?.cc, 0xff, '500 → 0xFF unspecified');
  t.equal(lab.machines[0]!.power(), 'off', 'failed commands change nothing');
  faults.errorRate = 0;
  t.equal((await c.cmd(0x00, 0x02, [0x01]))?.cc, 0);
  t.equal(lab.machines[0]!.power(), 'on');
  const last = lab.sink.requests('chassis.control').at(-1)!;
  t.match(last, { bmc: 'node-0', proto: 'ipmi', status: 0 });
  t.type(last.ms, 'number');
});

t.test('ASF presence ping is answered with a pong', async (t) => {
  const lab = await startLab(1);
  t.teardown(() => lab.close());
  const a = lab.addresses[0]!;
  const c = new LanplusClient(a.host, a.port);
  await c.bind();
  t.teardown(() => c.close());
  const pong = await c.exchange(Buffer.from([0x06, 0x00, 0xff, 0x06, 0x00, 0x00, 0x11, 0xbe, 0x80, 0x2a, 0x00, 0x00]));
  t.ok(pong);
  t.equal(pong![8], 0x40, 'message type pong');
  t.equal(pong![9], 0x2a, 'same message tag');
  t.equal(pong![20]! & 0x80, 0x80, 'IPMI supported');
});

t.test('two BMCs on one address: startup fails naming the BMC and address, nothing stays bound', async (t) => {
  const first = await startLab(1, { hosts: ['127.31.4.1'] });
  t.teardown(() => first.close());
  const taken = first.addresses[0]!;
  const { startIpmiServer } = await import('../../../../lab/bmc/ipmi/ipmi-server.ts');
  const other = { ...first.systems[0]!, id: 'clash', ipmi: { host: taken.host, port: taken.port } };
  const free = { ...first.systems[0]!, id: 'free', ipmi: { host: '127.31.4.2', port: 0 } };
  await t.rejects(startIpmiServer({ systems: [free, other] }), { code: 'FLEETLAB_ERR_PARAM_INVALID', message: /'clash'.*127\.31\.4\.1/ });
});
