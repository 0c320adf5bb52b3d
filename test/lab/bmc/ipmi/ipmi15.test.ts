/**
 * IPMI 1.5 sessions (MD5 AuthCodes): `ipmitool -I lan` and freeipmi's default LAN driver work,
 * a wrong password gets no session, replays are dropped, and the whole thing can be switched off.
 */
import t from 'tap';
import { Lan15Client, PASSWORD, USER, ipmipower, run, startLab } from './fixtures/ipmi-test-kit.ts';

const lan = (a: { host: string; port: number }, args: string[], password = PASSWORD) =>
  run('ipmitool', ['-I', 'lan', '-H', a.host, '-p', String(a.port), '-U', USER, '-P', password, '-N', '2', '-R', '2', ...args]);

t.test('ipmitool -I lan: power, boot device, mc info', async (t) => {
  const lab = await startLab(1);
  t.teardown(() => lab.close());
  const a = lab.addresses[0]!;
  const m = lab.machines[0]!;
  t.match((await lan(a, ['power', 'status'])).stdout, /Chassis Power is off/);
  t.equal((await lan(a, ['power', 'on'])).code, 0);
  t.equal(m.power(), 'on');
  t.equal((await lan(a, ['chassis', 'bootdev', 'pxe', 'options=efiboot'])).code, 0);
  t.same(m.bootOverride, { target: 'pxe', mode: 'uefi', once: true });
  t.match((await lan(a, ['mc', 'info'])).stdout, /IPMI Version\s+: 2\.0/);
});

t.test('ipmipower with its default (IPMI 1.5) driver', async (t) => {
  const lab = await startLab(1);
  t.teardown(() => lab.close());
  const a = lab.addresses[0]!;
  const pw = async (flag: string, password = PASSWORD) => {
    const r = await run('ipmipower', ['-h', `${a.host}:${a.port}`, '-u', USER, '-p', password, flag]);
    return r.stdout.trim();
  };
  t.equal(await pw('--on'), `${a.host}: ok`);
  t.equal(lab.machines[0]!.power(), 'on');
  t.equal(await pw('--stat'), `${a.host}: on`);
  t.equal(await pw('--off'), `${a.host}: ok`);
  t.equal(lab.machines[0]!.power(), 'off');
});

t.test('wrong password: Activate Session is not answered, nothing changes', async (t) => {
  const lab = await startLab(1);
  t.teardown(() => lab.close());
  const r = await lan(lab.addresses[0]!, ['power', 'on'], 'wrong');
  t.not(r.code, 0);
  t.match(r.stderr, /Unable to establish/);
  t.equal(lab.machines[0]!.power(), 'off');
  t.match(lab.sink.requests('session.activate').at(-1), { status: 'unauthorized' });
  t.equal(lab.sink.requests('chassis.control').length, 0);
});

t.test('own client: session works, replays and forged AuthCodes are dropped, unknown user refused', async (t) => {
  const lab = await startLab(1);
  t.teardown(() => lab.close());
  const a = lab.addresses[0]!;
  const c = new Lan15Client(a.host, a.port);
  await c.bind();
  t.teardown(() => c.close());
  t.equal(await c.connect15(), 0);
  t.equal((await c.cmd15(0x06, 0x3b, [0x03]))?.cc, 0, 'raise privilege to OPERATOR');
  const on = c.packet15(0x00, 0x02, [0x01]);
  const first = await c.exchange(on);
  t.ok(first, 'power on answered');
  t.equal(lab.machines[0]!.power(), 'on');
  await lab.machines[0]!.setPower('off');
  t.equal(await c.exchange(on, 200), null, 'replayed packet dropped');
  t.equal(lab.machines[0]!.power(), 'off', 'and had no effect');
  const forged = Buffer.from(c.packet15(0x00, 0x02, [0x01]));
  forged[forged.length - 2]! ^= 0x01; // flip a data byte: the MD5 AuthCode no longer matches
  t.equal(await c.exchange(forged, 200), null, 'forged packet dropped');
  const bad = new Lan15Client(a.host, a.port, undefined, 'mallory');
  await bad.bind();
  t.teardown(() => bad.close());
  t.equal(await bad.connect15(), 0x81, 'Get Session Challenge: invalid user name');
});

t.test('allowIpmi15: false — RMCP+ only, as a hardened BMC', async (t) => {
  const lab = await startLab(1, { allowIpmi15: false });
  t.teardown(() => lab.close());
  const a = lab.addresses[0]!;
  const r = await lan(a, ['power', 'status']);
  t.not(r.code, 0);
  const p = await ipmipower(a, ['--stat']);
  t.equal(p.stdout.trim(), `${a.host}: off`, 'lanplus still works');
});
