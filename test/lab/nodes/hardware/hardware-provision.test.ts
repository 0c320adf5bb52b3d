/**
 * The hardware tier end to end: `fleetlab run scenarios/provision.ts --param tier=hardware
 * --inventory FILE` against a stand-in rack it knows only through the inventory (2 qemu VMs behind
 * `bmc serve --qmp` processes on a veth into the rack's namespace, plus a BMC with a wrong password
 * in the inventory, one nobody answers at, and one whose machine never PXE-boots).
 * Needs root and qemu; two TCG installs take minutes: the run has 25 min, the test 30.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStandInRack } from '../../../../fixtures/stand-in-rack/stand-in-rack.ts';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

t.test('hardware tier: 2 stand-in machines provision; bad BMCs and a silent machine fail with their own codes', { timeout: 1_800_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-hw-'));
  const rack = await startStandInRack({ dir: join(dir, 'rack'), machines: ['vm', 'vm', 'wrong-password', 'unreachable', 'no-pxe'], powerOnToDhcpMs: 60_000 });
  t.teardown(async () => {
    await rack.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const out = join(dir, 'run');
  const child = spawn(process.execPath, ['bin/fleetlab.js', 'run', 'scenarios/provision.ts', '--param', 'tier=hardware', '--inventory', rack.inventoryPath, '--out', out, '--json'], {
    cwd: root,
    env: { ...process.env, ...rack.env, FLEETLAB_DETACHED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => child.kill('SIGTERM'), 1_500_000);
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  clearTimeout(killer);
  t.equal(code, 99, `not every node is ready: the ready-ratio threshold fails, exit 99 (stderr tail: ${stderr.slice(-1500)})`);

  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { nodes: { name: string; outcome: string; phases: Record<string, number>; error?: { code: string } }[] };
  const node = (n: string) => run.nodes.find((x) => x.name === n)!;
  for (const n of ['rack-m0', 'rack-m1']) {
    t.equal(node(n).outcome, 'ready', `${n} provisioned through the reference target`);
    for (const p of ['power-on', 'ipxe-dhcp', 'agent', 'callback', 'ready']) t.ok(node(n).phases[p] !== undefined, `${n}: phase ${p} observed`);
  }
  t.equal(node('rack-m2').error?.code, 'FLEETLAB_ERR_BMC_CLIENT_AUTH', 'wrong BMC password');
  t.equal(node('rack-m3').error?.code, 'FLEETLAB_ERR_BMC_CLIENT_UNREACHABLE', 'nobody at the BMC address');
  t.equal(node('rack-m4').error?.code, 'FLEETLAB_ERR_HARDWARE_NO_PXE', 'powered on, never PXE-booted');

  const events = readFileSync(join(out, 'events.ndjson'), 'utf8');
  t.match(events, /"kind":"bmc\.request","bmc":"rack-m0","proto":"redfish","op":"GET \/redfish\/v1\/Systems\/rack-m0"/, 'the BMC transcript of a node is in its events');
  for (const [what, text] of [
    ['events.ndjson', events],
    ['run.json', readFileSync(join(out, 'run.json'), 'utf8')],
    ['report.html', readFileSync(join(out, 'report.html'), 'utf8')],
    ['the console', stdout + stderr],
  ] as const) {
    t.notOk(text.includes(rack.password), `the BMC password is not in ${what}`);
  }

  // The override each machine had before the run (none) is what it has after it.
  for (const m of rack.machines.filter((x) => x.kind === 'vm')) {
    const r = await fetch(`${m.url}/redfish/v1/Systems/${m.systemId}`, { headers: { authorization: 'Basic ' + Buffer.from(`${rack.username}:${rack.password}`).toString('base64') } });
    t.equal(((await r.json()) as { Boot: { BootSourceOverrideEnabled: string } }).Boot.BootSourceOverrideEnabled, 'Disabled', `${m.name}: no boot override left behind`);
  }
});
