/**
 * `fleetlab init scenario demo` outside the repository (this checkout linked as node_modules/fleetlab,
 * as `npm i -D <checkout>` would): the scaffold is an ESM package, `fleetlab scenarios` lists it, and
 * the scenario runs as generated (its thresholds included).
 */
import t from 'tap';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fleetlab, ROOT } from '../../helpers/cli.ts';

t.test('init scenario demo: ESM package, listed, runs and passes its thresholds', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fleetlab-init-scenario-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'fleetlab'));

  const init = await fleetlab(['init', 'scenario', 'demo'], { cwd: dir });
  t.equal(init.code, 0, init.stderr);
  t.ok(existsSync(join(dir, 'scenarios/demo.ts')));
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { type: string; devDependencies: Record<string, string> };
  t.equal(pkg.type, 'module');
  t.ok(pkg.devDependencies.fleetlab, 'fleetlab is a dependency');
  t.match(readFileSync(join(dir, 'scenarios/demo.ts'), 'utf8'), /from 'fleetlab'/);

  const again = await fleetlab(['init', 'scenario', 'demo'], { cwd: dir });
  t.equal(again.code, 2, 'existing files are kept');
  t.match(again.stderr, /FLEETLAB_ERR_USAGE: scenarios\/demo\.ts already exist/);
  t.equal((await fleetlab(['init', 'scenario', 'Bad_Name'], { cwd: dir })).code, 2);

  const listed = await fleetlab(['scenarios'], { cwd: dir });
  t.equal(listed.code, 0, listed.stderr);
  t.match(listed.stdout, /demo/);

  const out = join(dir, 'run');
  const r = await fleetlab(['run', 'scenarios/demo.ts', '--param', 'timeScale=0', '--json', '--out', out], { cwd: dir });
  t.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { status: string; nodes: { ready: number }; thresholds: { name: string; ok: boolean }[] };
  t.match(s, { status: 'passed', nodes: { ready: 4 } });
  t.same(s.thresholds.map((x) => x.name), ['ready.ratio >= 1', 'ttr.p95 < 30m', 'target.api.errors == 0', 'failed.count == 0']);
});
