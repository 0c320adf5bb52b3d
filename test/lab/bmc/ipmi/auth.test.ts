/**
 * Authentication as a real BMC does it: a wrong password or user fails in RAKP and changes
 * nothing, cipher suite 0 (no authentication) is refused unless explicitly allowed, and the
 * authFailure fault refuses valid credentials.
 */
import t from 'tap';
import { noBmcFaults } from '../../../../lab/faults/fault-hooks.ts';
import { LanplusClient, ipmitool, startLab, USER } from './fixtures/ipmi-test-kit.ts';

for (const suite of [3, 17]) {
  t.test(`wrong password with -C ${suite}: authentication failure, no state change`, async (t) => {
    const lab = await startLab(1);
    t.teardown(() => lab.close());
    const r = await ipmitool(lab.addresses[0]!, suite, ['power', 'on'], 'wrong-password');
    t.not(r.code, 0);
    t.match(r.stderr, /Unable to establish IPMI v2 \/ RMCP\+ session/);
    t.equal(lab.machines[0]!.power(), 'off', 'machine still off');
    t.equal(lab.sink.requests('chassis.control').length, 0, 'no Chassis Control reached the BMC');
    t.equal(lab.sink.requests('session.rakp3').filter((e) => e.status === 0).length, 0, 'no session was activated');
  });
}

t.test('unknown user: RAKP2 says "unauthorized name" (0x0D)', async (t) => {
  const lab = await startLab(1);
  t.teardown(() => lab.close());
  const a = lab.addresses[0]!;
  const c = new LanplusClient(a.host, a.port, undefined, 'mallory');
  await c.bind();
  t.teardown(() => c.close());
  t.equal(await c.connect(), 0x0d);
  t.match(lab.sink.requests('session.rakp1').at(-1), { status: 0x0d });
});

t.test('our own client with a wrong password: RAKP2 HMAC does not verify; RAKP3 with a bad HMAC is refused', async (t) => {
  const lab = await startLab(1);
  t.teardown(() => lab.close());
  const a = lab.addresses[0]!;
  const c = new LanplusClient(a.host, a.port, undefined, USER, 'guess');
  await c.bind();
  t.teardown(() => c.close());
  t.equal(await c.connect(), 0x0f, 'the console detects the BMC used another key');
});

t.test('cipher suite 0 is refused by default and listed nowhere', async (t) => {
  const lab = await startLab(1);
  t.teardown(() => lab.close());
  const a = lab.addresses[0]!;
  const r = await ipmitool(a, 0, ['power', 'on']);
  t.not(r.code, 0);
  t.match(r.stderr, /no matching cipher suite/);
  t.match(lab.sink.requests('session.open').at(-1), { status: 0x11 });
  t.equal(lab.machines[0]!.power(), 'off');
  const ciphers = await ipmitool(a, 3, ['channel', 'getciphers', 'ipmi']);
  t.equal(ciphers.code, 0);
  const ids = [...ciphers.stdout.matchAll(/^(\d+)\s+N\/A/gm)].map((m) => Number(m[1]));
  t.same(ids, [3, 17], 'Get Channel Cipher Suites lists 3 and 17');
});

t.test('allowCipherZero: suite 0 works (and is the operator\'s explicit choice)', async (t) => {
  const lab = await startLab(1, { allowCipherZero: true });
  t.teardown(() => lab.close());
  const r = await ipmitool(lab.addresses[0]!, 0, ['power', 'on']);
  t.equal(r.code, 0, r.stderr);
  t.equal(lab.machines[0]!.power(), 'on');
});

t.test('authFailure fault refuses valid credentials in RAKP, and heals', async (t) => {
  const lab = await startLab(1);
  t.teardown(() => lab.close());
  const faults = noBmcFaults();
  lab.systems[0]!.faults = faults;
  faults.authFailure = true;
  const bad = await ipmitool(lab.addresses[0]!, 17, ['power', 'status']);
  t.not(bad.code, 0);
  t.match(bad.stderr, /Unable to establish/);
  t.match(lab.sink.requests('session.rakp1').at(-1), { status: 0x0d }, 'RAKP2 answered "unauthorized name"');
  faults.authFailure = false;
  const good = await ipmitool(lab.addresses[0]!, 17, ['power', 'status']);
  t.equal(good.code, 0);
});
