/**
 * `fleetlab suite`, end to end on real runs against the reference target:
 * - 3 scenarios × 2 params × --repeat 2 = 12 runs: suite.json, a combined junit.xml with one
 *   testsuite per run, index.html linking every run's report; saved as a baseline;
 * - the same suite again with the reference server's image downloads 30 % slower for scenario
 *   `alpha` only: alpha's runs answer DIFFERENT (worse) for the image phase — or UNKNOWN "host
 *   saturated" where the host could not keep time — and beta's and gamma's never regress; exit 99
 *   exactly when a run regressed;
 * - a suite whose params differ from every baseline run says "no comparable baseline";
 * - bad input (a bad param in one run, an unknown field) reports every problem, exit 2, starts nothing;
 * - --shard splits the planned runs without overlap.
 */
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API, fleetlab } from '../../helpers/cli.ts';
import { planSuite, shardRuns } from '../../../harness/suite/suite-plan.ts';
import type { SuiteRecord } from '../../../harness/suite/suite-report.ts';

// ~20 real runs: more than tap's default 300 s per file on a busy host.
t.setTimeout(900_000);

const dir = mkdtempSync(join(tmpdir(), 'fleetlab-suite-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

// Three scenarios that provision 2 sites; timeScale 0.001 leaves the rate-limited image download
// (1 MB per node at the reference server's imageRateMbit) as the only long phase (the ready
// timeout is modelled: 600,000,000 ms modelled = 600 s wall at this scale).
for (const name of ['alpha', 'beta', 'gamma']) {
  writeFileSync(
    join(dir, `${name}.ts`),
    `import { defineScenario, provisionFleet } from '${API}';
export default defineScenario({
  name: '${name}',
  params: { nodesPerSite: 3, timeScale: 0.001 },
  lab: (p) => ({ sites: 2, nodesPerSite: p.nodesPerSite, timeScale: p.timeScale }),
  async run(ctx) {
    await ctx.step('enroll', () => ctx.target.enroll(ctx.lab.nodes));
    await provisionFleet(ctx, ctx.target.image('edge-os-1.0', 1e6), { expectation: 'all ready', readyTimeoutMs: 600_000_000 });
  },
});
`,
  );
}

const suiteFile = (name: string, alphaMbit: number, nodes: number[]) => {
  const f = join(dir, `${name}.suite.ts`);
  const run = (s: string, mbit: number) => `{ scenario: './${s}.ts', params: { nodesPerSite: ${JSON.stringify(nodes)} }, targetOptions: { imageRateMbit: '${mbit}' } }`;
  writeFileSync(f, `import { defineSuite } from '${API}';\nexport default defineSuite({ name: '${name}', runs: [${run('alpha', alphaMbit)}, ${run('beta', 8)}, ${run('gamma', 8)}] });\n`);
  return f;
};

const readSuite = (d: string) => JSON.parse(readFileSync(join(d, 'suite.json'), 'utf8')) as SuiteRecord & { runs: { scenario: string; baseline?: { verdict: string; regressions: string[] } }[] };

t.test('a 3 × 2 suite with --repeat 2, a baseline, a 30 % slower image for one scenario, and a suite with no comparable baseline', async (t) => {
  const store = join(dir, 'baselines');
  const first = join(dir, 'first');
  const r1 = await fleetlab(['suite', suiteFile('nightly', 8, [3, 4]), '--repeat', '2', '--out', first, '--save-baseline', store], { timeoutMs: 900_000 });
  t.equal(r1.code, 0, r1.stderr.slice(-3000));
  const s1 = readSuite(first);
  t.equal(s1.runs.length, 12, '3 scenarios × 2 params × repeat 2');
  t.ok(s1.runs.every((r) => r.exitCode === 0 && r.nodes?.ready === r.nodes?.total), 'every run passed with every node ready');
  const junit = readFileSync(join(first, 'junit.xml'), 'utf8');
  t.equal(junit.match(/<testsuite /g)?.length, 12, 'one testsuite per run');
  for (const r of s1.runs) t.match(junit, `[${r.id}]`, `junit names run ${r.id}`);
  const index = readFileSync(join(first, 'index.html'), 'utf8');
  for (const r of s1.runs) {
    t.ok(existsSync(join(r.runDir, 'report.html')), `${r.id} has its report`);
    t.match(index, `runs/${r.id}/report.html`, `index links ${r.id}`);
  }
  t.ok(existsSync(join(store, 'first', 'suite.json')), 'saved into the baseline store');

  const second = join(dir, 'second');
  const r2 = await fleetlab(['suite', suiteFile('nightly', 5.6, [3, 4]), '--out', second, '--baseline', store], { timeoutMs: 900_000 });
  const s2 = readSuite(second);
  // What the comparison may answer depends on what it received: DIFFERENT on a host that kept
  // time, UNKNOWN "host saturated" for samples taken while it did not — never a silent SAME for
  // alpha, never a regression for beta and gamma, whose configuration did not change.
  for (const r of s2.runs) {
    t.equal(r.baseline?.verdict, 'compared', `${r.id} found its baseline`);
    const image = r.baseline!.metrics.find((m) => m.metric === 'phase_ms.image')!;
    if (r.scenario === 'alpha.ts') {
      t.ok(image.verdict === 'DIFFERENT' ? r.baseline!.regressions.includes('phase_ms.image') : /^host saturated/.test(image.reason), `${r.id}: image ${image.verdict} (${image.reason})`);
      t.ok(image.deltaPct > 20, `${r.id}: the image phase is ${image.deltaPct.toFixed(0)} % slower`);
    } else {
      t.same(r.baseline!.regressions, [], `${r.id}: no regression (${r.baseline!.metrics.filter((m) => m.verdict !== 'SAME').map((m) => `${m.metric} ${m.verdict}: ${m.reason}`).join('; ')})`);
    }
  }
  const regressed = s2.runs.filter((r) => r.baseline!.regressions.length > 0);
  t.equal(r2.code, regressed.length ? 99 : 0, `exit 99 exactly when a run regressed (${regressed.length}): ${r2.stderr.slice(-2000)}`);
  if (regressed.length) t.match(r2.stderr, /alpha.*DIFFERENT/);

  const third = join(dir, 'third');
  const r3 = await fleetlab(['suite', suiteFile('other', 8, [2]), '--out', third, '--baseline', store], { timeoutMs: 900_000 });
  t.equal(r3.code, 0, 'nothing to compare is not a regression');
  const s3 = readSuite(third);
  t.ok(s3.runs.every((r) => r.baseline?.verdict === 'no comparable baseline'), 'every run says it had no comparable baseline');
  t.match(r3.stderr, /no comparable baseline/);
  t.match(r3.stdout, /"noComparableBaseline":3/);
});

t.test('bad input: every problem listed, exit 2, nothing started', async (t) => {
  const f = join(dir, 'bad.suite.ts');
  writeFileSync(f, `import { defineSuite } from '${API}';\nexport default defineSuite({ name: 'bad', runs: [{ scenario: './alpha.ts', params: { nodesPerSite: ['many'] } }, { scenario: './beta.ts', params: { bogus: 1 } }] });\n`);
  const out = join(dir, 'bad-out');
  const r = await fleetlab(['suite', f, '--out', out]);
  t.equal(r.code, 2);
  t.match(r.stderr, /FLEETLAB_ERR_SUITE_INVALID: .*2 run\(s\) would not start/);
  t.match(r.stderr, /run 01-alpha-nodesPerSite=many-default-r1: FLEETLAB_ERR_PARAM_INVALID[\s\S]*--param nodesPerSite: expected a number, got 'many'/);
  t.match(r.stderr, /run 02-beta-bogus=1-default-r1: FLEETLAB_ERR_PARAM_INVALID[\s\S]*--param bogus: unknown parameter/);
  t.notOk(existsSync(out), 'no suite directory');

  const g = join(dir, 'schema.suite.ts');
  writeFileSync(g, `export default { name: '', runs: [{ scenario: './alpha.ts', repeat: 0, colour: 'red' }] };\n`);
  const r2 = await fleetlab(['suite', g]);
  t.equal(r2.code, 2);
  t.match(r2.stderr, /suite\.name: expected a non-empty name/);
  t.match(r2.stderr, /suite\.runs\[0\]\.repeat/);
  t.match(r2.stderr, /suite\.runs\[0\].*colour/);
});

t.test('--shard i/N: a deterministic split without overlap', async (t) => {
  const suite = { name: 's', runs: [{ scenario: './a.ts', params: { n: [1, 2, 3] }, repeat: 3 }, { scenario: './b.ts', targets: ['reference', 'dnsmasq'] }] };
  const all = planSuite(suite, join(dir, 's.ts'));
  t.equal(all.length, 11);
  const shards = [1, 2, 3].map((i) => shardRuns(all, { index: i, count: 3 }).map((r) => r.id));
  t.same(shards.flat().sort(), all.map((r) => r.id).sort(), 'shards cover every run once');
  t.same(shardRuns(planSuite(suite, join(dir, 's.ts')), { index: 2, count: 3 }).map((r) => r.id), shards[1], 'same split every time');
  t.ok(readdirSync(dir).length > 0);
});
