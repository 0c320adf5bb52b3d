/** `fleetlab targets`: built-in targets with their declared options, plus ./targets/*.ts of cwd. */
import t from 'tap';
import { runFleetlab } from '../../../harness/index.ts';
import { ROOT } from '../../helpers/cli.ts';
import { join } from 'node:path';
import { symlinkSync } from 'node:fs';

t.test('lists built-in targets with options (text and --json)', async (t) => {
  const r = await runFleetlab(['targets'], { cwd: t.testdir() });
  t.equal(r.code, 0, r.stderr);
  for (const name of ['reference', 'dnsmasq', 'kea', 'ironic', 'external']) t.match(r.stdout, new RegExp(`^${name}  \\(built-in\\)`, 'm'));
  t.match(r.stdout, /--target-opt kernelBytes\s+integer, default 32768 — generated kernel, bytes/);
  t.match(r.stdout, /--target-opt mapping\s+string, required — mapping file/);
  const j = await runFleetlab(['targets', '--json'], { cwd: t.testdir() });
  const ref = (JSON.parse(j.stdout) as { targets: { name: string; options: { name: string; type: string }[] }[] }).targets.find((x) => x.name === 'reference');
  t.same(ref?.options.map((o) => o.name), ['imageRateMbit', 'kernelBytes', 'initrdBytes', 'bootFileBytes', 'bmc']);
});

t.test('a discovered module that fails to load is listed with its error, exit 2', async (t) => {
  const dir = t.testdir({ 'package.json': '{"type": "module"}', targets: { 'bad.ts': "throw new Error('bad module');\n", 'good.test.ts': 'ignored' } });
  // good.ts: a working plugin (the fixture), linked in.
  symlinkSync(join(ROOT, 'test/harness/targets/plugin/fixtures/my-target.ts'), join(dir, 'targets', 'good.ts'));
  const r = await runFleetlab(['targets'], { cwd: dir });
  t.equal(r.code, 2, r.stderr);
  t.match(r.stdout, /^good  \(\.\/targets\/good\.ts\)  test plugin/m);
  t.match(r.stdout, /--target-opt pollMs\s+integer, default 100/);
  t.match(r.stdout, /^bad  \(\.\/targets\/bad\.ts\)\n  FLEETLAB_ERR_TARGET_LOAD: .*bad module/m);
  t.notMatch(r.stdout, /good\.test/, 'test files are not targets');
});
