/**
 * `fleetlab bmc serve` end to end: the real CLI process, driven by Debian's Redfish clients
 * (redfishtool and python3-sushy) as the oracle.
 */
import t from 'tap';
import { spawn, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const sushyScript = fileURLToPath(new URL('./fixtures/redfish-sushy.py', import.meta.url));
const sushyInspect = fileURLToPath(new URL('./fixtures/redfish-sushy-inspect.py', import.meta.url));

interface Ready {
  redfish: { url: string; systems: string[] };
  username: string;
  password: string;
}

async function serve(args: string[]): Promise<{ child: ChildProcess; ready: Ready; exit: Promise<number | null> }> {
  const child = spawn(process.execPath, ['bin/fleetlab.js', 'bmc', 'serve', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    void exit.then((code) => reject(new Error(`bmc serve exited ${code} before ready: ${stderr}`)));
  });
  return { child, ready: JSON.parse(first) as Ready, exit };
}

t.test('bmc serve: ready line, redfishtool, sushy, clean SIGTERM', async (t) => {
  const { child, ready, exit } = await serve(['--systems', '3', '--port', '0']);
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  t.match(ready.redfish.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.same(ready.redfish.systems, ['fake-0', 'fake-1', 'fake-2']);
  t.equal(ready.username, 'admin');
  t.equal(ready.password, 'password');
  const hostPort = ready.redfish.url.slice('http://'.length);
  const rt = async (...args: string[]) => {
    const r = await run('redfishtool', ['-r', hostPort, '-u', ready.username, '-p', ready.password, '-S', 'Never', ...args]);
    return r.stdout;
  };
  const getJson = async (...args: string[]) => JSON.parse(await rt(...args)) as Record<string, any>;

  await t.test('redfishtool: list, power on/off, Pxe Once cleared by the next power-on', async (t) => {
    const list = await getJson('Systems', 'list');
    t.same(
      list.Members.map((m: { Id: string }) => m.Id),
      ['fake-0', 'fake-1', 'fake-2'],
    );
    await rt('Systems', '-I', 'fake-0', 'reset', 'On');
    t.equal((await getJson('Systems', '-I', 'fake-0', '-P', 'PowerState', 'get')).PowerState, 'On');
    await rt('Systems', '-I', 'fake-0', 'reset', 'ForceOff');
    t.equal((await getJson('Systems', '-I', 'fake-0', '-P', 'PowerState', 'get')).PowerState, 'Off');
    await rt('Systems', '-I', 'fake-0', 'setBootOverride', 'Once', 'Pxe');
    const armed = (await getJson('Systems', '-I', 'fake-0', '-P', 'Boot', 'get')).Boot;
    t.equal(armed.BootSourceOverrideEnabled, 'Once');
    t.equal(armed.BootSourceOverrideTarget, 'Pxe');
    await rt('Systems', '-I', 'fake-0', 'reset', 'On');
    const after = (await getJson('Systems', '-I', 'fake-0', '-P', 'Boot', 'get')).Boot;
    t.equal(after.BootSourceOverrideEnabled, 'Disabled', 'the boot that used the Once override cleared it');
    t.equal(after.BootSourceOverrideTarget, 'None');
    // Session auth works for redfishtool too, and a wrong password is refused.
    t.equal((await getJson('-A', 'Session', 'Systems', '-I', 'fake-0', '-P', 'PowerState', 'get')).PowerState, 'On');
    await t.rejects(run('redfishtool', ['-r', hostPort, '-u', 'admin', '-p', 'wrong', '-S', 'Never', 'Systems', 'list']), /401/);
  });

  for (const [auth, id] of [
    ['session', 'fake-1'],
    ['basic', 'fake-2'],
  ] as const) {
    await t.test(`python3-sushy with ${auth} auth`, async (t) => {
      const image = 'http://127.0.0.1:9/images/boot.iso';
      const r = await run('/usr/bin/python3', [sushyScript, ready.redfish.url, ready.username, ready.password, id, auth, image]);
      const out = JSON.parse(r.stdout);
      if (auth === 'session') {
        t.equal(out.session_key_set, true);
        t.match(out.session_uri, /^\/redfish\/v1\/SessionService\/Sessions\/\d+$/);
      }
      t.equal(out.system_id, id);
      t.equal(out.power_after_on, 'PowerState.ON');
      t.equal(out.power_after_reset, 'PowerState.ON');
      t.same(out.boot, { target: 'BootSource.PXE', enabled: 'BootSourceOverrideEnabled.ONCE', mode: 'BootSourceOverrideMode.UEFI' });
      t.same(out.sys_vmedia_members, ['Cd', 'Floppy']);
      t.same(out.sys_vmedia_inserted, { image, inserted: true });
      t.same(out.sys_vmedia_after_eject, { image: null, inserted: false });
      t.same(out.mgr_vmedia_inserted, { image, inserted: true });
      t.equal(out.mgr_insert_seen_by_system, image, 'Managers/{id}/VirtualMedia and Systems/{id}/VirtualMedia are the same devices');
      t.same(out.mgr_vmedia_after_eject, { image: null, inserted: false });
    });
  }

  await t.test('python3-sushy: what Ironic inspection, BIOS settings and firmware update read', async (t) => {
    const r = await run('/usr/bin/python3', [sushyInspect, ready.redfish.url, ready.username, ready.password, 'fake-2']);
    const out = JSON.parse(r.stdout);
    t.equal(out.cpus, 16, 'logical CPUs');
    t.equal(out.cpu_arch, 'ProcessorArchitecture.X86');
    t.equal(out.memory_gib, 32);
    t.same(out.macs, ['52:54:00:00:00:02']);
    t.same(out.simple_storage_bytes, [480e9]);
    t.same(out.drives_bytes, [480e9]);
    t.equal(out.boot_mode, 'BootSourceOverrideMode.UEFI');
    t.ok(out.reset_types.includes('ResetType.POWER_CYCLE'));
    t.same(out.bios_apply_times, ['ApplyTime.ON_RESET']);
    t.same(out.bios_pending, { ProcTurboMode: 'Disabled' });
    t.equal(out.bios_after_reset, 'Disabled', 'applied by the reset');
    t.same(out.update, { state: 'TaskState.COMPLETED', percent: 100 });
    t.equal(out.bios_version, '3.0.1');
  });

  child.kill('SIGTERM');
  t.equal(await exit, 0, 'SIGTERM closes cleanly with exit 0');
});

t.test('bmc serve: bad options are usage errors (exit 2)', async (t) => {
  const r = await run(process.execPath, ['bin/fleetlab.js', 'bmc', 'serve', '--systems', 'many'], { cwd: root }).catch((e: { code: number; stderr: string }) => e);
  t.equal((r as { code: number }).code, 2);
  t.match((r as { stderr: string }).stderr, /FLEETLAB_ERR_USAGE: --systems 'many'/);
});

t.test('bmc serve --persona: sushy-tools is served; an unknown name is a clear error (exit 2)', async (t) => {
  const { child, ready, exit } = await serve(['--systems', '1', '--persona', 'sushy-tools']);
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const hostPort = ready.redfish.url.slice('http://'.length);
  const boot = async () => {
    const r = await run('redfishtool', ['-r', hostPort, '-u', 'admin', '-p', 'password', '-S', 'Never', 'Systems', '-I', 'fake-0', '-P', 'Boot', 'get']);
    return (JSON.parse(r.stdout) as { Boot: { BootSourceOverrideEnabled: string } }).Boot.BootSourceOverrideEnabled;
  };
  await run('redfishtool', ['-r', hostPort, '-u', 'admin', '-p', 'password', '-S', 'Never', 'Systems', '-I', 'fake-0', 'setBootOverride', 'Once', 'Pxe']);
  t.equal(await boot(), 'Continuous', 'the sushy-tools persona stores Once as Continuous');
  child.kill('SIGTERM');
  t.equal(await exit, 0);

  const r = await run(process.execPath, ['bin/fleetlab.js', 'bmc', 'serve', '--persona', 'idrac-9000'], { cwd: root }).catch((e: { code: number; stderr: string }) => e);
  t.equal((r as { code: number }).code, 2);
  t.match((r as { stderr: string }).stderr, /FLEETLAB_ERR_BMC_PERSONA_UNKNOWN: unknown BMC persona 'idrac-9000' \(known: generic, sushy-tools, idrac, ilo, supermicro\)/);
});
