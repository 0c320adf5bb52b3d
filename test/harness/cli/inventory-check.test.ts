/**
 * `fleetlab inventory check` end to end: the real CLI against `fleetlab bmc serve --ipmi` in its
 * own process. Good machines pass, a wrong password and an unreachable BMC fail with their own
 * codes, the BMCs' state is the same before and after, bad files exit 2 with the path named, and
 * no secret reaches stdout or stderr.
 */
import t from 'tap';
import { execFile, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startRedfishServer } from '../../../lab/bmc/redfish/redfish-server.ts';
import { fakeSystems } from '../../lab/bmc/redfish/fixtures/systems.ts';
import { inventoryDoc, machineDoc } from '../../lab/config/inventory/fixtures/inventory-doc.ts';
import { runCli } from './cli-helpers.ts';
import { startBmcServe } from './fixtures/bmc-serve-process.ts';

const run = promisify(execFile);
// IPMI passwords are at most 20 bytes.
const SECRET = 'InvChk-S3cret-4471';
const WRONG = 'Wr0ng-S3cret-9920';
const INLINE = 'Inl1ne-check-S3cret-1203';

const dir = mkdtempSync(join(tmpdir(), 'fl-inv-cli-'));
const file = (name: string, doc: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(doc, null, 2));
  return p;
};
/** The secrets that appear in a command's stdout or stderr (none may). */
const leaked = (r: { stdout: string; stderr: string }) => [SECRET, WRONG, INLINE].filter((s) => r.stdout.includes(s) || r.stderr.includes(s));

t.test('inventory check: probes every BMC read-only, one verdict per machine, distinct failure codes', async (t) => {
  const bmc = await startBmcServe(['--systems', '3', '--ipmi', '--password', SECRET]);
  t.teardown(() => bmc.stop());
  const { redfish, ipmi, username } = bmc.ready;
  const closed = await startRedfishServer({ systems: fakeSystems(1) });
  const deadUrl = closed.url;
  await closed.close();
  const pwFile = join(dir, 'ipmi-password');
  writeFileSync(pwFile, `${SECRET}\n`, { mode: 0o600 });
  process.env.FL_INV_USER = username;
  process.env.FL_INV_PASSWORD = SECRET;
  process.env.FL_INV_WRONG = WRONG;
  t.teardown(() => ['FL_INV_USER', 'FL_INV_PASSWORD', 'FL_INV_WRONG'].forEach((k) => delete process.env[k]));

  // State someone left on the BMCs: a probe that changed anything would show in the "after".
  const ipmitool = (i: number, ...args: string[]) => run('ipmitool', ['-I', 'lanplus', '-C', '17', '-H', ipmi![i]!.host, '-p', String(ipmi![i]!.port), '-U', username, '-E', ...args], { env: { ...process.env, IPMI_PASSWORD: SECRET } });
  await ipmitool(1, 'chassis', 'power', 'on');
  // As Ironic does: keep the valid bit past IPMI's 60 s boot-flag timer (§28.12, parameter 3 bit 3),
  // so on a slow host the override is still there to compare when the probes are done.
  await ipmitool(1, 'raw', '0x00', '0x08', '0x03', '0x08');
  await ipmitool(1, 'chassis', 'bootdev', 'pxe', 'options=efiboot');
  const auth = { authorization: 'Basic ' + Buffer.from(`${username}:${SECRET}`).toString('base64') };
  const state = async () =>
    Promise.all(
      redfish.systems.map(async (id) => {
        const s = (await (await fetch(`${redfish.url}/redfish/v1/Systems/${id}`, { headers: auth })).json()) as { PowerState: string; Boot: Record<string, unknown> };
        return [s.PowerState, s.Boot.BootSourceOverrideEnabled, s.Boot.BootSourceOverrideTarget, s.Boot.BootSourceOverrideMode];
      }),
    );
  const before = await state();
  t.same(before[1], ['On', 'Once', 'Pxe', 'UEFI'], 'the IPMI changes are visible over Redfish');

  const inv = file(
    'rack.json',
    inventoryDoc([
      machineDoc(0, { name: 'rf-0', bmc: { redfish: { url: redfish.url, systemId: 'fake-0', authType: 'session' } } }),
      machineDoc(1, { name: 'ipmi-1', bmc: { ipmi: { host: ipmi![1]!.host, port: ipmi![1]!.port, cipherSuite: 3 } }, credentials: { username: { env: 'FL_INV_USER' }, password: { file: pwFile } } }),
      machineDoc(2, { name: 'wrong-2', bmc: { redfish: { url: redfish.url, systemId: 'fake-2' } }, credentials: { username: { env: 'FL_INV_USER' }, password: { env: 'FL_INV_WRONG' } } }),
      machineDoc(3, { name: 'dead-3', bmc: { redfish: { url: deadUrl } } }),
    ]),
  );

  const text = await runCli(['inventory', 'check', inv]);
  t.equal(text.code, 1, 'a machine failed: exit 1');
  const lines = text.stdout.trim().split('\n');
  t.equal(lines.length, 5, text.stdout);
  t.match(lines[0], /^ok +rf-0 +redfish .*: session auth, power Off, firmware 1\.0\.0; redfish boot override: .*Pxe/);
  t.match(lines[1], /^ok +ipmi-1 +ipmi .*: power on, bootparam 5 readable \(pxe\), .*cipher suites 3,17/);
  t.match(lines[2], /^FAILED +wrong-2 +.*FLEETLAB_ERR_BMC_CLIENT_AUTH/);
  t.match(lines[3], /^FAILED +dead-3 +.*FLEETLAB_ERR_BMC_CLIENT_UNREACHABLE/);
  t.equal(lines[4], '2/4 machine(s) ok');
  t.same(leaked(text), [], 'text output: no secret in stdout or stderr');

  const json = await runCli(['inventory', 'check', inv, '--json']);
  t.equal(json.code, 1);
  const out = JSON.parse(json.stdout) as { status: string; machines: { machine: string; verdict: string; redfish?: { failure?: { code: string } }; ipmi?: { powerState: string } }[] };
  t.equal(out.status, 'failed');
  t.same(
    out.machines.map((m) => [m.machine, m.verdict, m.redfish?.failure?.code]),
    [
      ['rf-0', 'ok', undefined],
      ['ipmi-1', 'ok', undefined],
      ['wrong-2', 'failed', 'FLEETLAB_ERR_BMC_CLIENT_AUTH'],
      ['dead-3', 'failed', 'FLEETLAB_ERR_BMC_CLIENT_UNREACHABLE'],
    ],
  );
  t.same(leaked(json), [], '--json output: no secret in stdout or stderr');

  const only = await runCli(['inventory', 'check', inv, '--only', 'rf-0,ipmi-1']);
  t.equal(only.code, 0, `all selected machines good: exit 0\n${only.stdout}${only.stderr}`);
  t.match(only.stdout, /2\/2 machine\(s\) ok/);
  t.same(leaked(only), [], '--only output: no secret in stdout or stderr');
  const unknown = await runCli(['inventory', 'check', inv, '--only', 'nope']);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /FLEETLAB_ERR_USAGE: --only 'nope': no machine nope/);

  t.same(await state(), before, 'every BMC reports the same power state and boot override as before');
});

t.test('inventory check: bad files exit 2 with every problem and its path; an inline password is never echoed', async (t) => {
  const inline = file('inline.json', inventoryDoc([machineDoc(0, { credentials: { username: { env: 'U' }, password: INLINE } } as never)]));
  const r = await runCli(['inventory', 'check', inline]);
  t.equal(r.code, 2);
  t.match(r.stderr, /inventory\.machines\[0\]\.credentials\.password: an inline secret is not allowed/);
  t.match(r.stderr, /FLEETLAB_ERR_INVENTORY_INVALID/);
  t.same(leaked(r), [], 'inline password: no secret in stdout or stderr');
  const j = await runCli(['inventory', 'check', inline, '--json']);
  t.equal(j.code, 2);
  t.same((JSON.parse(j.stdout) as { problems: { path: string }[] }).problems.map((p) => p.path), ['inventory.machines[0].credentials.password']);
  t.same(leaked(j), [], 'inline password, --json: no secret in stdout or stderr');

  const dup = file('dup.json', inventoryDoc([machineDoc(0), machineDoc(1, { bootMacs: ['52:54:00:00:10:00'] }), machineDoc(2, { site: 'edge-7' })]));
  const d = await runCli(['inventory', 'check', dup]);
  t.equal(d.code, 2);
  t.match(d.stderr, /inventory\.machines\[1\]\.bootMacs\[0\]: duplicate MAC 52:54:00:00:10:00/);
  t.match(d.stderr, /inventory\.machines\[2\]\.site: site 'edge-7' has no lab interface/, 'every problem, not just the first');
  t.equal(d.stdout, '', 'nothing probed');

  const none = await runCli(['inventory', 'check', join(dir, 'missing.json')]);
  t.equal(none.code, 2);
  t.match(none.stderr, /FLEETLAB_ERR_INVENTORY_INVALID: .*missing\.json: no such file/);
  const help = await runCli(['inventory', 'check', '--help']);
  t.match(help.stdout, /No PATCH, no\naction POST, no power, boot or chassis-control command/);
});

t.test('inventory check: SIGTERM while a probe waits on a silent BMC ends it with 143', async (t) => {
  // A UDP port that never answers: ipmitool waits out its timeouts (seconds), so the signal lands mid-probe.
  const silent = dgram.createSocket('udp4');
  await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
  t.teardown(() => silent.close());
  const { allowPowerControl: _, ...probeOnly } = machineDoc(0, { bmc: { ipmi: { host: '127.0.0.1', port: (silent.address() as AddressInfo).port } } });
  const inv = file('silent.json', inventoryDoc([probeOnly]));
  const bin = fileURLToPath(new URL('../../../bin/fleetlab.js', import.meta.url));
  const child = spawn(process.execPath, [bin, 'inventory', 'check', inv], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FL_INV_USER: 'admin', FL_INV_PASSWORD: SECRET } });
  t.teardown(() => child.exitCode === null && child.kill('SIGKILL'));
  let stderr = '';
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  // The allowPowerControl warning is printed just before probing starts.
  await new Promise<void>((r) =>
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('warning:')) r();
    }),
  );
  child.kill('SIGTERM');
  t.equal(await exit, 143);
  t.match(stderr, /interrupted \(SIGTERM\)/);
  t.notOk(stderr.includes(SECRET));
});
