/**
 * The exit code table (README "Exit codes"), each code produced by the real CLI:
 * 0 passed, 99 thresholds failed (also abortOnFail), 1 the run failed (scenario/harness error,
 * timeout), 2 bad input, 130 SIGINT, 143 SIGTERM.
 */
import t from 'tap';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fleetlab, API } from '../../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'fleetlab-exit-'));
writeFileSync(join(dir, 'package.json'), '{"type": "module"}');

/** A scenario file: two nodes; `body` is its run(); `extra` more definition fields. */
function scenario(name: string, body: string, extra = ''): string {
  const file = join(dir, `${name}.ts`);
  writeFileSync(
    file,
    `import { defineScenario } from '${API}';
export default defineScenario({
  name: '${name}',
  params: { timeScale: 0 },
  lab: (p) => ({ sites: 1, nodesPerSite: 2, timeScale: p.timeScale }),
  ${extra}
  async run({ lab, target, step, params }) {
    ${body}
  },
});
`,
  );
  return file;
}

const PROVISION = `await step('enroll', () => target.enroll(lab.nodes));
    await step('provision', () => target.provision(lab.nodes, target.image('os', 1e5)));
    await step('wait for ready', () => lab.waitReady(lab.nodes, { since: 0 }));`;
// Nodes never power on: waits until the run is stopped.
const WAIT_FOREVER = `await step('enroll', () => target.enroll(lab.nodes));
    await step('idle', () => lab.waitReady(lab.nodes, { timeoutMs: 3_600_000 }));`;

const ok = scenario('ok', PROVISION, `thresholds: { 'ready.ratio': '>= 1', 'target.api.errors': '== 0' },`);
const slow = scenario('slow', PROVISION, `thresholds: { 'phase.power-on.p50': '< 1ms', 'ready.ratio': '>= 1' },`);
const boom = scenario('boom', `${PROVISION}\n    throw new Error('scenario bug');`, `thresholds: { 'ready.ratio': '>= 1' },`);
const idle = scenario('idle', WAIT_FOREVER);

const json = (s: string) => JSON.parse(s) as { status: string; thresholds: { name: string; ok: boolean; value: number | null }[] };

t.test('0: every threshold holds', async (t) => {
  const r = await fleetlab(['run', ok, '--json', '--out', t.testdir()]);
  t.equal(r.code, 0, r.stderr);
  t.same(json(r.stdout).thresholds.map((x) => [x.name, x.ok]), [['ready.ratio >= 1', true], ['target.api.errors == 0', true]]);
});

t.test('99: a scenario threshold fails; results in --json, run.json and junit', async (t) => {
  const out = t.testdir();
  const r = await fleetlab(['run', slow, '--json', '--out', out]);
  t.equal(r.code, 99, r.stderr);
  const s = json(r.stdout);
  t.equal(s.status, 'failed');
  t.match(s.thresholds.find((x) => x.name === 'phase.power-on.p50 < 1ms'), { ok: false });
  t.match(s.thresholds.find((x) => x.name === 'ready.ratio >= 1'), { ok: true, value: 1 });
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { reason?: string; thresholds: { name: string; limit: string }[] };
  t.equal(run.reason, 'thresholds failed');
  t.match(run.thresholds, [{ name: 'phase.power-on.p50 < 1ms', limit: '< 1ms' }, { name: 'ready.ratio >= 1' }]);
  t.match(readFileSync(join(out, 'junit.xml'), 'utf8'), /<testcase classname="slow.thresholds" name="phase.power-on.p50 &lt; 1ms"[^>]*>\s*<failure type="threshold"/);
});

t.test('99 from --threshold on the command line, added to the scenario\'s', async (t) => {
  const r = await fleetlab(['run', ok, '--threshold', 'ttr.max<1us', '--json', '--out', t.testdir()]);
  t.equal(r.code, 99, r.stderr);
  t.match(json(r.stdout).thresholds.map((x) => x.name), ['ready.ratio >= 1', 'target.api.errors == 0', 'ttr.max < 1us']);
});

t.test('99 early: abortOnFail stops the run once the delay has passed', async (t) => {
  const out = t.testdir();
  const file = scenario('abort', WAIT_FOREVER, `thresholds: { 'ready.ratio': { threshold: '>= 1', abortOnFail: true, delayAbortEval: '2s' } },`);
  const r = await fleetlab(['run', file, '--param', 'timeScale=1', '--json', '--out', out], { timeoutMs: 90_000 });
  t.equal(r.code, 99, r.stderr);
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { status: string; reason: string };
  t.equal(run.status, 'failed');
  t.match(run.reason, /threshold 'ready.ratio >= 1' failed at 0 \(abortOnFail\)/);
});

t.test('1: the scenario throws (a harness-side failure outranks the thresholds)', async (t) => {
  const r = await fleetlab(['run', boom, '--json', '--out', t.testdir()]);
  t.equal(r.code, 1, r.stderr);
  t.match(JSON.parse(r.stdout), { status: 'failed' });
});

t.test('1: the run times out', async (t) => {
  const file = scenario('timeout', WAIT_FOREVER, 'timeoutMs: 1500,');
  const r = await fleetlab(['run', file, '--json', '--out', t.testdir()]);
  t.equal(r.code, 1, r.stderr);
  t.match(JSON.parse(r.stdout), { status: 'timedout' });
});

t.test('2: bad thresholds, every problem with its path, nothing started', async (t) => {
  const file = scenario('badthr', PROVISION, `thresholds: { 'phase.tfpt.p95': '< 2s', 'ready.ratio': ['>= 0.999', '~ 1'], 'nodes.count': '< 2s', 'site[link=dsl].latency.tftp.p95': '< 1s', 'ttr.p95': { threshold: '< 1m', abortOnFail: 'yes', delayAbortEval: 'soon' } },`);
  const out = join(t.testdir(), 'never');
  const r = await fleetlab(['run', file, '--threshold', 'bogus', '--threshold', 'duration<5parsecs', '--out', out]);
  t.equal(r.code, 2, r.stderr);
  t.match(r.stderr, /FLEETLAB_ERR_SCENARIO_INVALID: 8 problem\(s\)/);
  for (const m of [
    /thresholds\['phase\.tfpt\.p95'\]: unknown phase 'tfpt'/,
    /thresholds\['ready\.ratio'\]\[1\]: expected a condition like '< 2s'/,
    /thresholds\['nodes\.count'\]: 'nodes\.count' is not a duration/,
    /thresholds\['site\[link=dsl\]\.latency\.tftp\.p95'\]: 'latency\.tftp\.p95' is a fleet-wide metric/,
    /thresholds\['ttr\.p95'\]: abortOnFail must be true or false/,
    /thresholds\['ttr\.p95'\]\.delayAbortEval: expected a duration like '30s', got 'soon'/,
    /--threshold\[0\]: expected METRIC OP VALUE/,
    /--threshold\[1\] 'duration<5parsecs': unknown unit 'parsecs'/,
  ])
    t.match(r.stderr, m);
});

for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  t.test(`${code}: ${sig} mid-run`, async (t) => {
    let sent = false;
    const r = await fleetlab(['run', idle, '--out', t.testdir()], {
      timeoutMs: 60_000,
      onSpawn: (child) =>
        child.stderr!.on('data', (d: Buffer) => {
          if (!sent && /\] idle …/.test(d.toString())) {
            sent = true;
            child.kill(sig);
          }
        }),
    });
    t.ok(sent, 'signalled mid-run');
    t.equal(r.code, code, r.stderr);
  });
}
