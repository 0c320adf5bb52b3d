/**
 * `fleetlab init target demo` in a directory outside the repository (with this checkout linked as
 * node_modules/fleetlab, as `npm i -D <checkout>` would): the generated module is discovered by
 * `fleetlab targets`, and the generated tap test passes as generated.
 */
import t from 'tap';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../helpers/cli.ts';
import { runFleetlab } from '../../../harness/index.ts';

t.test('init target demo: files, discovery, and its own test passes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fleetlab-init-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'fleetlab'));
  for (const dep of ['tap', 'tsx']) symlinkSync(join(ROOT, 'node_modules', dep), join(dir, 'node_modules', dep));

  const init = await runFleetlab(['init', 'target', 'demo'], { cwd: dir });
  t.equal(init.code, 0, init.stderr);
  for (const f of ['targets/demo.ts', 'test/demo.test.ts', 'package.json']) t.ok(existsSync(join(dir, f)), `wrote ${f}`);

  const again = await runFleetlab(['init', 'target', 'demo'], { cwd: dir });
  t.equal(again.code, 2, 'existing files are not overwritten');
  t.match(again.stderr, /FLEETLAB_ERR_USAGE: .*targets\/demo\.ts.*already exist.*--force/);

  const listed = await runFleetlab(['targets', '--json'], { cwd: dir });
  t.equal(listed.code, 0, listed.stderr);
  const demo = (JSON.parse(listed.stdout) as { targets: { name: string; source: string; options: { name: string; default?: unknown }[] }[] }).targets.find((x) => x.name === 'demo');
  t.match(demo, { source: './targets/demo.ts', options: [{ name: 'kernelBytes', default: 32768 }] }, 'discovered with its options');

  // The generated test, run as its package.json says (a tap test is a node program).
  const r = spawnSync(process.execPath, ['--import=tsx', 'test/demo.test.ts'], { cwd: dir, encoding: 'utf8', timeout: 240_000 });
  t.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  t.match(r.stdout, /^ok 1 - demo: the shipped provision scenario passes/m);
  t.match(r.stdout, /^ok 2 - demo: a bad --target-opt is refused/m);
  t.notMatch(r.stdout, /^not ok/m);
});

t.test('init target: a bad name is refused', async (t) => {
  const dir = t.testdir();
  const r = await runFleetlab(['init', 'target', 'My Target'], { cwd: dir });
  t.equal(r.code, 2);
  t.match(r.stderr, /FLEETLAB_ERR_USAGE: target name 'My Target'/);
});
