/**
 * `fleetlab scenarios` lists the shipped scenarios with the params their modules declare, and a
 * local scenario that fails to load with its real error (exit 2); `fleetlab --version` names the
 * package version and the checkout's commit.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { API, ROOT, fleetlab } from '../../helpers/cli.ts';

interface Listed { file: string; origin: string; name?: string; params?: Record<string, unknown>; error?: string }

const runIn = (cwd: string, args: string[]) => fleetlab(args, { cwd });

t.test('shipped scenarios are listed with the params their modules declare', async (t) => {
  const r = await fleetlab(['scenarios', '--json']);
  t.equal(r.code, 0, r.stderr);
  const listed = (JSON.parse(r.stdout) as { scenarios: Listed[] }).scenarios;
  const shipped = readdirSync(join(ROOT, 'scenarios')).filter((f) => f.endsWith('.ts'));
  t.equal(listed.filter((s) => s.origin === 'shipped').length, shipped.length, 'every shipped scenario');
  const provision = listed.find((s) => s.file.endsWith('scenarios/provision.ts'))!;
  const mod = (await import(pathToFileURL(join(ROOT, 'scenarios/provision.ts')).href)) as { default: { name: string; params: Record<string, unknown> } };
  t.equal(provision.name, mod.default.name);
  t.same(provision.params, mod.default.params);
});

t.test('local .ts scenarios load from a directory that is not an ESM package; one that fails shows its real error, exit 2', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fleetlab-scenarios-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'scenarios'));
  writeFileSync(join(dir, 'scenarios', 'good.ts'), `import { defineScenario } from '${API}';\nexport default defineScenario({ name: 'good-one', description: 'a local one', params: { n: 2 }, lab: { sites: 1 }, async run() {} });\n`);
  writeFileSync(join(dir, 'scenarios', 'broken.ts'), `import { nothing } from './does-not-exist.ts';\nexport default nothing;\n`);
  const r = await runIn(dir, ['scenarios', '--json']);
  t.equal(r.code, 2, 'a broken scenario fails the listing');
  const listed = (JSON.parse(r.stdout) as { scenarios: Listed[] }).scenarios;
  const good = listed.find((s) => s.name === 'good-one');
  t.equal(good?.origin, 'local');
  t.same(good?.params, { n: 2 });
  const broken = listed.find((s) => s.file.endsWith('broken.ts'));
  t.match(broken?.error ?? '', /FLEETLAB_ERR_SCENARIO_LOAD: .*broken\.ts: cannot load: Cannot find module '\.\/does-not-exist\.ts'/);
  const dry = await runIn(dir, ['run', 'scenarios/good.ts', '--dry-run']);
  t.equal(dry.code, 0, `a local scenario in a CommonJS directory runs: ${dry.stderr}`);
});

t.test('--version names the package version and the commit', async (t) => {
  const r = await fleetlab(['--version']);
  t.equal(r.code, 0);
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const sha = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  t.match(r.stdout.trim(), new RegExp(`^fleetlab ${version.replace(/\./g, '\\.')} \\(commit ${sha}(\\+dirty)?\\)$`));
});
