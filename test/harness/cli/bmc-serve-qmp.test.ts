/**
 * `fleetlab bmc serve --qmp`: two qemu VMs the test started (paused, like powered-off servers)
 * fronted by a separate bmc serve process; redfishtool and ipmitool are the clients, and the
 * VMs' own QMP socket and serial console are the oracle (the VM really ran, really stopped, and
 * SeaBIOS really tried the device the override asked for).
 * Needs qemu (TCG); a VM reaches SeaBIOS's boot choice in seconds, deadlines are 120 s each.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startStandInVm, type StandInVm } from '../../../fixtures/stand-in-rack/stand-in-vm.ts';
import { startBmcServe } from '../../../fixtures/stand-in-rack/bmc-serve-process.ts';

const run = promisify(execFile);
const BOOT_CHOICE_MS = 120_000;

/** The device named by SeaBIOS's first "Booting from …" line after `from` characters of serial output. */
function firstBootChoice(vm: StandInVm, from: number): string | undefined {
  return /Booting from ([A-Za-z ]+?)\.\.\./.exec(vm.serial().slice(from))?.[1];
}

const status = async (vm: StandInVm) => (await vm.oracle.execute<{ status: string }>('query-status')).status;
/** The VM's status once it is `want` (IPMI answers a chassis control before the VM acted on it), or the last one after 30 s. */
async function statusBecomes(vm: StandInVm, want: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const s = await status(vm);
    if (s === want || Date.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
}

t.test('bmc serve --qmp: Redfish and IPMI power and boot overrides reach existing VMs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-bmc-qmp-'));
  const vms: StandInVm[] = [];
  t.teardown(async () => {
    for (const vm of vms) await vm.close();
    rmSync(dir, { recursive: true, force: true });
  });
  vms.push(await startStandInVm({ name: 'vm-a', dir: join(dir, 'a'), mac: '52:54:00:fe:00:01', uuid: '6a1c7f3e-0000-4000-8000-000000000001' }));
  vms.push(await startStandInVm({ name: 'vm-b', dir: join(dir, 'b'), mac: '52:54:00:fe:00:02', uuid: '6a1c7f3e-0000-4000-8000-000000000002' }));
  const [a, b] = vms as [StandInVm, StandInVm];
  const bmc = await startBmcServe(['--qmp', `rack-a=${a.qmpPath},rack-b=${b.qmpPath}`, '--ipmi', '--user', 'root', '--password', 'calvin-123']);
  t.teardown(() => bmc.stop());
  t.same(bmc.ready.redfish.systems, ['rack-a', 'rack-b']);
  const hostPort = bmc.ready.redfish.url.slice('http://'.length);
  const rt = async (...args: string[]) => (await run('redfishtool', ['-r', hostPort, '-u', 'root', '-p', 'calvin-123', '-S', 'Never', ...args])).stdout;
  const getJson = async (...args: string[]) => JSON.parse(await rt(...args)) as Record<string, any>;
  const ipmiB = bmc.ready.ipmi!.find((x) => x.system === 'rack-b')!;
  const ipmi = async (...args: string[]) => (await run('ipmitool', ['-I', 'lanplus', '-C', '17', '-H', ipmiB.host, '-p', String(ipmiB.port), '-U', 'root', '-P', 'calvin-123', ...args])).stdout;

  await t.test('the VMs read as powered off, with their SMBIOS UUID and NIC MAC', async (t) => {
    const sys = await getJson('Systems', '-I', 'rack-a', 'get');
    t.equal(sys.PowerState, 'Off');
    t.equal(sys.UUID, '6a1c7f3e-0000-4000-8000-000000000001');
    t.equal(await status(a), 'prelaunch', 'nothing ran the VM yet');
  });

  await t.test('redfishtool: Pxe Once + On runs the VM and SeaBIOS boots the NIC ROM; the override reads consumed', async (t) => {
    await rt('Systems', '-I', 'rack-a', 'setBootOverride', 'Once', 'Pxe');
    const from = a.serial().length;
    await rt('Systems', '-I', 'rack-a', 'reset', 'On');
    t.equal(await status(a), 'running');
    await a.waitSerial(/Booting from /, BOOT_CHOICE_MS);
    t.equal(firstBootChoice(a, from), 'ROM', 'network boot (iPXE option ROM) first');
    t.equal((await getJson('Systems', '-I', 'rack-a', '-P', 'Boot', 'get')).Boot.BootSourceOverrideEnabled, 'Disabled');
    t.equal(await status(b), 'prelaunch', 'the other VM is untouched');
    await rt('Systems', '-I', 'rack-a', 'reset', 'ForceOff');
    t.equal(await status(a), 'paused', 'ForceOff stops the VM');
    t.equal((await getJson('Systems', '-I', 'rack-a', '-P', 'PowerState', 'get')).PowerState, 'Off');
  });

  await t.test('ipmitool: power on without an override boots the disk first; power off stops the VM', async (t) => {
    const from = b.serial().length;
    await ipmi('chassis', 'power', 'on');
    t.equal(await statusBecomes(b, 'running'), 'running');
    t.match(await ipmi('chassis', 'power', 'status'), /Chassis Power is on/);
    await b.waitSerial(/Booting from /, BOOT_CHOICE_MS);
    t.equal(firstBootChoice(b, from), 'Hard Disk', 'no override: disk first (a blank disk then falls through to PXE)');
    await ipmi('chassis', 'power', 'off');
    t.equal(await statusBecomes(b, 'paused'), 'paused');
    await ipmi('chassis', 'bootdev', 'pxe');
    t.equal((await getJson('Systems', '-I', 'rack-b', '-P', 'Boot', 'get')).Boot.BootSourceOverrideTarget, 'Pxe', 'an IPMI bootdev is the same machine state Redfish reports');
    const bootindex = await b.oracle.execute<number>('qom-get', { path: '/machine/peripheral/vnet', property: 'bootindex' });
    t.equal(bootindex, 1, 'the NIC is first in the VM’s boot order');
  });

  await t.test('SIGTERM: bmc serve exits 0 and leaves the VMs running (they are not its own)', async (t) => {
    await rt('Systems', '-I', 'rack-a', 'reset', 'On');
    t.equal(await bmc.stop(), 0);
    t.equal(await status(a), 'running');
  });
});

t.test('bmc serve --qmp: bad input is a usage error; a socket nobody serves fails naming it', async (t) => {
  const cli = (args: string[]) =>
    run(process.execPath, ['bin/fleetlab.js', 'bmc', 'serve', ...args], { cwd: join(import.meta.dirname, '../../..') }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
  const both = await cli(['--qmp', '/tmp/x.sock', '--systems', '2']);
  t.equal(both.code, 2);
  t.match(both.stderr, /--qmp and --systems/);
  const dup = await cli(['--qmp', 'x=/tmp/a.sock,x=/tmp/b.sock']);
  t.equal(dup.code, 2);
  t.match(dup.stderr, /system id 'x' must be unique/);
  const missing = await cli(['--qmp', '/nonexistent/fl-qmp.sock']);
  t.not(missing.code, 0);
  t.match(missing.stderr, /FLEETLAB_ERR_QEMU.*\/nonexistent\/fl-qmp\.sock/s);
});
