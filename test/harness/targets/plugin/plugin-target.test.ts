/**
 * Targets as plugins, through the real CLI: a module path that is not in the registry runs the
 * shipped provision scenario; its declared options are checked (every problem, exit 2) before
 * anything starts; a module that does not load shows its own error; a package name resolves from
 * the user's directory.
 */
import t from 'tap';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fleetlab, ROOT } from '../../../helpers/cli.ts';
import { readEvents } from '../../../helpers/run-json.ts';
import { runFleetlab, shippedScenario } from '../../../../harness/index.ts';

const FIXTURE = './test/harness/targets/plugin/fixtures/my-target.ts';
const quick = ['--param', 'sites=2', '--param', 'nodesPerSite=2', '--param', 'timeScale=0'];

t.test('--target ./…/my-target.ts: a plugin not in the registry provisions every node', async (t) => {
  const out = t.testdir();
  const r = await fleetlab(['run', 'scenarios/provision.ts', ...quick, '--target', FIXTURE, '--target-opt', 'pollMs=50,imageName=plugin-os', '--json', '--out', out]);
  t.equal(r.code, 0, r.stderr);
  t.match(JSON.parse(r.stdout), { status: 'passed', nodes: { total: 4, ready: 4, failed: 0 } });
  const events = readEvents<{ kind: string; node?: string; phase?: string; target?: string }>(out);
  t.equal(events[0]!.target, FIXTURE, 'run.start names the target as given');
  // States came from the plugin's own REST polling: every node reached active.
  const active = new Set(events.filter((e) => e.kind === 'target.state' && e.phase === 'active').map((e) => e.node));
  t.equal(active.size, 4, 'the plugin reported every node active');
  // The parsed option reached create(): nodes installed the image the option named.
  t.match(readFileSync(join(out, 'events.ndjson'), 'utf8'), /images\/plugin-os/, 'imageName option used');
});

t.test('bad --target-opt for a plugin: every problem, exit 2, nothing started', async (t) => {
  const out = join(t.testdir(), 'never');
  const r = await fleetlab(['run', 'scenarios/provision.ts', '--target', FIXTURE, '--target-opt', 'pollMs=fast', '--target-opt', 'imageName=has space', '--target-opt', 'colour=red', '--out', out]);
  t.equal(r.code, 2, r.stderr);
  t.match(r.stderr, /FLEETLAB_ERR_SCENARIO_INVALID: 3 problem\(s\)/);
  t.match(r.stderr, /--target-opt pollMs: .*\(got 'fast'\)/);
  t.match(r.stderr, /--target-opt imageName: .*\(got 'has space'\)/);
  t.match(r.stderr, /--target-opt colour: unknown option for target 'my-target' \(known: pollMs, imageName\)/);
  t.notOk(existsSync(out), 'no run directory');
});

t.test('a module that fails to load shows its real error; a module without a definition says what to export', async (t) => {
  const dir = t.testdir({
    'package.json': '{"type": "module"}',
    'broken.ts': "import './missing-helper.ts';\nexport default 1;\n",
    'throws.ts': "throw new Error('config server unreachable at import');\n",
    'plain.ts': 'export default { name: "x" };\n',
  });
  const broken = await fleetlab(['run', 'scenarios/provision.ts', '--target', join(dir, 'broken.ts'), '--dry-run']);
  t.equal(broken.code, 2, broken.stderr);
  t.match(broken.stderr, /FLEETLAB_ERR_TARGET_LOAD: .*broken\.ts: cannot load .*missing-helper\.ts/);
  const throws = await fleetlab(['run', 'scenarios/provision.ts', '--target', join(dir, 'throws.ts'), '--dry-run']);
  t.equal(throws.code, 2);
  t.match(throws.stderr, /FLEETLAB_ERR_TARGET_LOAD: .*config server unreachable at import/);
  const plain = await fleetlab(['run', 'scenarios/provision.ts', '--target', join(dir, 'plain.ts'), '--dry-run']);
  t.equal(plain.code, 2);
  t.match(plain.stderr, /must `export default defineTarget\(\{name, options, create\}\)`.*its default export is a object/);
  const missing = await fleetlab(['run', 'scenarios/provision.ts', '--target', './no/such-target.ts', '--dry-run']);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /FLEETLAB_ERR_TARGET_LOAD: --target \.\/no\/such-target\.ts: no such file/);
});

t.test('--target <package>: resolved from the directory fleetlab runs in', async (t) => {
  const dir = t.testdir({ 'package.json': '{"type": "module"}' });
  const pkg = join(dir, 'node_modules', 'acme-fleetlab-target');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'acme-fleetlab-target', type: 'module', exports: { '.': { import: './index.ts' } } }));
  symlinkSync(join(ROOT, FIXTURE), join(pkg, 'index.ts'));
  const r = await runFleetlab(['run', shippedScenario('provision'), '--param', 'sites=1', '--param', 'nodesPerSite=1', '--param', 'timeScale=0', '--target', 'acme-fleetlab-target', '--json', '--out', join(dir, 'run')], { cwd: dir });
  t.equal(r.code, 0, r.stderr);
  t.match(JSON.parse(r.stdout), { status: 'passed', nodes: { total: 1, ready: 1 } });
});
