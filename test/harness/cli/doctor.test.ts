/**
 * `fleetlab doctor` as root (CI's user: every capability the suite's own install provides is
 * available) and as an unprivileged user (the root-only capabilities are listed as missing with
 * the root check as the reason; the main job stays available; `--for` decides the exit code).
 */
import t from 'tap';
import { fleetlab } from '../../helpers/cli.ts';

interface DoctorJson {
  ok: boolean;
  required: string[];
  capabilities: { name: string; available: boolean; failed: { id: string; fix?: string }[] }[];
  checks: { id: string; ok: boolean }[];
}

const ROOT_ONLY = ['ipmi', 'dnsmasq', 'kea', 'qemu'];

const asNobody = (args: string[]) => fleetlab(args, { wrapper: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'], env: { HOME: '/tmp' }, timeoutMs: 180_000 });

t.test('as root (the suite runs as root): the tiers and targets the suite installs are available', async (t) => {
  const r = await fleetlab(['doctor', '--json', '--for', 'sim,ipmi,dnsmasq,kea,qemu'], { timeoutMs: 180_000 });
  t.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout) as DoctorJson;
  t.same(d.required, ['sim', 'ipmi', 'dnsmasq', 'kea', 'qemu']);
  for (const name of ['sim', ...ROOT_ONLY]) {
    const c = d.capabilities.find((x) => x.name === name);
    t.ok(c?.available, `${name} available: ${JSON.stringify(c?.failed)}`);
  }
  t.ok(d.checks.find((c) => c.id === 'root')?.ok, 'root check passes as root');
});

t.test('as an unprivileged user: root-only capabilities listed as missing, the main job available', async (t) => {
  const r = await asNobody(['doctor', '--json', '--for', 'qemu']);
  t.equal(r.code, 1, `--for qemu fails without root: ${r.stderr}`);
  const d = JSON.parse(r.stdout) as DoctorJson;
  t.ok(d.capabilities.find((c) => c.name === 'sim')?.available, 'sim tier needs no root');
  for (const name of ROOT_ONLY) {
    const c = d.capabilities.find((x) => x.name === name)!;
    t.notOk(c.available, `${name} missing without root`);
    const root = c.failed.find((f) => f.id === 'root');
    t.ok(root, `${name} names the root check`);
    t.match(root?.fix ?? '', /run as root/);
  }
  const human = await asNobody(['doctor']);
  t.equal(human.code, 0, 'without --for only the main job is required');
  t.match(human.stdout, /MISSING\s+qemu/);
  t.match(human.stdout, /ok\s+sim/);
});

t.test('bad input: an unknown capability is a usage error naming the known ones', async (t) => {
  const r = await fleetlab(['doctor', '--for', 'qemu,warp-drive']);
  t.equal(r.code, 2);
  t.match(r.stderr, /FLEETLAB_ERR_USAGE: --for qemu,warp-drive: unknown capability 'warp-drive' \(known: sim, ipmi/);
});
