/** Acceptance: freeipmi's ipmipower (IPMI 2.0 driver) powers the FakeMachine on and off. */
import t from 'tap';
import { ipmipower, startLab } from './fixtures/ipmi-test-kit.ts';

for (const suite of ['3', '17']) {
  t.test(`ipmipower -D LAN_2_0 -I ${suite}`, async (t) => {
    const lab = await startLab(1);
    t.teardown(() => lab.close());
    const m = lab.machines[0]!;
    const addr = lab.addresses[0]!;
    const host = addr.host;
    const pw = async (flag: string) => {
      const r = await ipmipower(addr, ['-I', suite, flag]);
      t.equal(r.code, 0, `ipmipower ${flag} exits 0 (${r.stderr.trim()})`);
      return r.stdout.trim();
    };
    t.equal(await pw('--stat'), `${host}: off`);
    t.equal(await pw('--on'), `${host}: ok`);
    t.equal(m.power(), 'on');
    t.equal(await pw('--stat'), `${host}: on`);
    t.equal(await pw('--off'), `${host}: ok`);
    t.equal(m.power(), 'off');
    t.equal(await pw('--stat'), `${host}: off`);
  });
}

t.test('ipmipower with a wrong password: "password invalid", machine untouched', async (t) => {
  const lab = await startLab(1);
  t.teardown(() => lab.close());
  const r = await ipmipower(lab.addresses[0]!, ['--on'], 'not-the-password');
  t.match(r.stdout + r.stderr, /password invalid/);
  t.equal(lab.machines[0]!.power(), 'off');
  t.equal(lab.sink.requests('chassis.control').length, 0);
});
