/** pyghmi (suite 3, as VirtualBMC and pyghmi-based tooling use) drives power and boot device. */
import t from 'tap';
import { fileURLToPath } from 'node:url';
import { PASSWORD, USER, run, startLab } from './fixtures/ipmi-test-kit.ts';

const script = fileURLToPath(new URL('./fixtures/pyghmi-client.py', import.meta.url));

t.test('pyghmi: power on, one-time UEFI network boot, read back', async (t) => {
  const lab = await startLab(1);
  t.teardown(() => lab.close());
  const a = lab.addresses[0]!;
  // Debian's python3-pyghmi lives in the system interpreter (not a pyenv one on PATH).
  const r = await run('/usr/bin/python3', [script, a.host, String(a.port), USER, PASSWORD], 60_000);
  t.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { before: string; after_on: string; bootdev: Record<string, unknown> };
  t.equal(out.before, 'off');
  t.equal(out.after_on, 'on');
  t.equal(lab.machines[0]!.power(), 'on');
  t.same(lab.machines[0]!.bootOverride, { target: 'pxe', mode: 'uefi', once: true });
  t.match(out.bootdev, { bootdev: 'network', persistent: false, uefimode: true });
});
