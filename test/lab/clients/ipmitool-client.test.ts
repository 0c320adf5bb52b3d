/**
 * ipmitool wrapper against fleetlab's IPMI emulator (real ipmitool, lanplus): the same
 * power/boot sequence with cipher suites 3 and 17 ends in the same machine state; a wrong
 * password, a USER-privilege power-off, a silent BMC and an unsupported command are four
 * distinct error codes; the password is never on the process's argv.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { ERRORS } from '../../../lab/base/errors.ts';
import { IpmitoolClient } from '../../../lab/clients/ipmi/ipmitool-client.ts';
import { solActivate } from '../../../lab/clients/ipmi/sol-console.ts';
import { PASSWORD, silentPort, startIpmiLab } from './fixtures/ipmi-bmc.ts';

t.test('the same sequence with -C 3 and -C 17: typed results, same end state', async (t) => {
  const ends: unknown[] = [];
  for (const cipherSuite of [3, 17]) {
    const lab = await startIpmiLab(1);
    t.teardown(() => lab.close());
    const m = lab.machines[0]!;
    const c = new IpmitoolClient(lab.target(0, { cipherSuite }));
    const at = `-C ${cipherSuite}`;
    t.equal(await c.powerStatus(), 'off', `${at}: off at start`);
    await c.bootdev('pxe', { efi: true });
    t.match(await c.bootFlags(), { valid: true, persistent: false, efi: true, device: 'pxe' }, `${at}: PXE once, UEFI`);
    await c.power('on');
    t.equal(await c.powerStatus(), 'on', `${at}: on`);
    t.match(await c.chassisStatus(), { power: 'on', powerOverload: false, powerFault: false }, `${at}: chassis status`);
    t.match(await c.bootFlags(), { device: 'none' }, `${at}: the boot consumed the one-time override`);
    await c.bootdev('disk', { efi: true, persistent: true });
    await c.power('reset');
    t.match(await c.bootFlags(), { valid: true, persistent: true, efi: true, device: 'disk' }, `${at}: a persistent override survives the reset`);
    await c.bootdev('cdrom');
    t.match(await c.bootFlags(), { persistent: false, efi: false, device: 'cdrom' }, `${at}: legacy CD once`);
    await c.power('cycle');
    await c.power('off');
    t.equal(await c.powerStatus(), 'off', `${at}: off`);
    t.match(await c.mcInfo(), { ipmiVersion: '2.0', firmwareRevision: /^\d+\.\d+$/ }, `${at}: mc info`);
    ends.push({ power: m.power(), override: m.bootOverride, boots: m.boots });
  }
  t.same(ends[0], ends[1], 'both cipher suites left the machine in the same state');
  t.same(
    (ends[0] as { boots: { device: string }[] }).boots.map((b) => b.device),
    ['pxe', 'hdd', 'cd'],
    'PXE once, then the persistent disk, then the CD once',
  );
});

t.test('a USER-level account: power status works, power-off is BMC_CLIENT_PRIVILEGE whatever -L asks', async (t) => {
  const lab = await startIpmiLab(1);
  t.teardown(() => lab.close());
  lab.systems[0]!.credentials.ipmiPrivilege = 'user';
  await lab.machines[0]!.setPower('on');
  t.equal(await new IpmitoolClient(lab.target(0, { privilege: 'USER' })).powerStatus(), 'on', 'a USER session reads power');
  for (const privilege of ['USER', 'ADMINISTRATOR'] as const) {
    await t.rejects(new IpmitoolClient(lab.target(0, { privilege })).power('off'), { code: ERRORS.BMC_CLIENT_PRIVILEGE.code }, `-L ${privilege}: refused`);
  }
  t.equal(lab.machines[0]!.power(), 'on', 'still on');
});

t.test('failures map to distinct codes; nothing changes on the BMC', async (t) => {
  const lab = await startIpmiLab(1);
  t.teardown(() => lab.close());
  await new IpmitoolClient(lab.target(0)).power('on');
  const cases = [
    ['wrong password', lab.target(0, { password: 'not-it' }), ['chassis', 'power', 'off'], ERRORS.BMC_CLIENT_AUTH.code],
    ['USER-privilege power-off', lab.target(0, { privilege: 'USER', cipherSuite: 3 }), ['chassis', 'power', 'off'], ERRORS.BMC_CLIENT_PRIVILEGE.code],
    ['a port nothing answers on', lab.target(0, { port: await silentPort(), timeoutSec: 1, retries: 1 }), ['chassis', 'power', 'off'], ERRORS.BMC_CLIENT_TIMEOUT.code],
    ['a command the BMC lacks', lab.target(0), ['raw', '0x30', '0x99'], ERRORS.BMC_CLIENT_UNSUPPORTED.code],
  ] as const;
  for (const [what, target, cmd, code] of cases) {
    await t.rejects(new IpmitoolClient(target).run([...cmd]), { code }, what);
  }
  t.equal(new Set(cases.map((c) => c[3])).size, cases.length, 'four different codes');
  t.equal(lab.machines[0]!.power(), 'on', 'the machine was never powered off');
});

t.test('SOL on a BMC without SOL: the console ends with BMC_CLIENT_UNSUPPORTED', async (t) => {
  const lab = await startIpmiLab(1);
  t.teardown(() => lab.close());
  const sol = solActivate(new IpmitoolClient(lab.target(0)));
  await t.rejects(sol.done, { code: ERRORS.BMC_CLIENT_UNSUPPORTED.code, message: /SOL/ });
  await sol.close();
});

t.test('SOL close() stops an ipmitool still waiting on a silent BMC', async (t) => {
  const lab = await startIpmiLab(1);
  t.teardown(() => lab.close());
  lab.systems[0]!.faults!.hang = true;
  let pid = 0;
  const sol = solActivate(new IpmitoolClient(lab.target(0, { timeoutSec: 10, retries: 5, onSpawn: (p) => (pid = p) })));
  await new Promise((r) => setTimeout(r, 300));
  t.ok(pid > 0 && existsSync(`/proc/${pid}`), 'ipmitool is running');
  await sol.close();
  t.notOk(existsSync(`/proc/${pid}`), 'and gone after close()');
  await sol.done; // resolves: the console was closed on purpose
});

t.test('the password is never on argv (read from /proc/<pid>/cmdline while ipmitool runs)', async (t) => {
  const lab = await startIpmiLab(1);
  t.teardown(() => lab.close());
  lab.systems[0]!.faults!.hang = true; // ipmitool keeps retrying long enough to be inspected
  const dir = await mkdtemp(join(tmpdir(), 'fleetlab-ipmi-pw-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const pwFile = join(dir, 'pw');
  await writeFile(pwFile, `${PASSWORD}\n`, { mode: 0o600 });
  for (const [how, extra] of [['-E', {}], ['-f', { password: undefined, passwordFile: pwFile }]] as const) {
    let argv: string[] = [];
    const c = new IpmitoolClient(
      lab.target(0, {
        ...extra,
        timeoutSec: 1,
        retries: 1,
        onSpawn: (pid) => {
          argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        },
      }),
    );
    await t.rejects(c.powerStatus(), { code: ERRORS.BMC_CLIENT_TIMEOUT.code }, `${how}: the hanging BMC times out`);
    t.ok(argv.includes('ipmitool') || argv[0]!.endsWith('ipmitool'), `${how}: read the live process's argv`);
    t.ok(argv.includes(how), `${how}: password source flag present`);
    t.notOk(argv.some((a) => a.includes(PASSWORD)), `${how}: no password on argv`);
    t.notOk(argv.includes('-P'), `${how}: no -P`);
  }
});

t.test('no ipmitool outlives fleetlab: a process exiting mid-call takes its tools with it', async (t) => {
  const fixture = fileURLToPath(new URL('./fixtures/exit-with-tool-running.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const code = await new Promise<number | null>((r) => child.once('close', r));
  t.equal(code, 0);
  const pid = Number(out.trim());
  t.ok(pid > 0, `ipmitool pid ${pid} reported`);
  const deadline = Date.now() + 10_000;
  const running = () => existsSync(`/proc/${pid}`) && !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  while (running() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.notOk(running(), 'the ipmitool the child started is not running');
});

t.test('bad options are refused before anything runs', async (t) => {
  t.throws(() => new IpmitoolClient({ host: '127.0.0.1', username: 'u' }), { code: ERRORS.BMC_CLIENT_OPTIONS.code });
  t.throws(() => new IpmitoolClient({ host: '127.0.0.1', username: 'u', password: 'p', passwordFile: '/x' }), { code: ERRORS.BMC_CLIENT_OPTIONS.code });
  t.throws(() => new IpmitoolClient({ host: '127.0.0.1', username: 'u', password: 'p', cipherSuite: 99 }), { code: ERRORS.BMC_CLIENT_OPTIONS.code, message: /cipherSuite 99/ });
  await t.rejects(new IpmitoolClient({ host: '127.0.0.1', username: 'u', password: 'p' }, 'no-such-ipmitool').powerStatus(), { code: ERRORS.BMC_CLIENT_TOOL.code });
});
