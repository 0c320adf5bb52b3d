/**
 * FreeIPMI ipmipower backend (power only) against fleetlab's IPMI emulator: power control with
 * cipher suites 3 and 17, the same error codes as the ipmitool wrapper, the password neither on
 * argv nor left on disk, and the backend choice.
 */
import { existsSync, readFileSync } from 'node:fs';
import t from 'tap';
import { ERRORS } from '../../../lab/base/errors.ts';
import { IpmipowerClient, ipmiPowerClient } from '../../../lab/clients/ipmi/ipmipower-client.ts';
import { PASSWORD, silentPort, startIpmiLab } from './fixtures/ipmi-bmc.ts';

t.test('power on/off/status through ipmipower with -C 3 and -C 17', async (t) => {
  const lab = await startIpmiLab(1);
  t.teardown(() => lab.close());
  for (const cipherSuite of [3, 17]) {
    const p = new IpmipowerClient(lab.target(0, { cipherSuite }));
    t.equal(await p.powerStatus(), 'off');
    await p.power('on');
    t.equal(await p.powerStatus(), 'on', `-I ${cipherSuite}: on`);
    t.equal(lab.machines[0]!.power(), 'on');
    await p.power('off');
    t.equal(await p.powerStatus(), 'off', `-I ${cipherSuite}: off`);
  }
});

t.test('ipmipower failures: auth, privilege, timeout; password not on argv, config file removed', async (t) => {
  const lab = await startIpmiLab(1);
  t.teardown(() => lab.close());
  let argv: string[] = [];
  let conf: string | undefined;
  const spy = (pid: number) => {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    conf = argv[argv.indexOf('--config-file') + 1];
  };
  await t.rejects(new IpmipowerClient(lab.target(0, { password: 'not-it', onSpawn: spy })).power('off'), { code: ERRORS.BMC_CLIENT_AUTH.code }, 'wrong password');
  t.notOk(argv.some((a) => a.includes(PASSWORD) || a.includes('not-it')), 'no password on argv');
  t.ok(conf && !existsSync(conf), 'the password file is gone after the call');
  await t.rejects(new IpmipowerClient(lab.target(0, { privilege: 'USER' })).power('off'), { code: ERRORS.BMC_CLIENT_PRIVILEGE.code }, 'USER-privilege power-off');
  await t.rejects(new IpmipowerClient(lab.target(0, { port: await silentPort(), timeoutSec: 1, retries: 1 })).powerStatus(), { code: ERRORS.BMC_CLIENT_TIMEOUT.code }, 'silent BMC');
});

t.test('backend choice: ipmitool when installed, ipmipower on request', async (t) => {
  const lab = await startIpmiLab(1);
  t.teardown(() => lab.close());
  t.equal(ipmiPowerClient(lab.target(0)).backend, 'ipmitool');
  const p = ipmiPowerClient(lab.target(0), 'ipmipower');
  t.equal(p.backend, 'ipmipower');
  t.equal(await p.powerStatus(), 'off');
});
