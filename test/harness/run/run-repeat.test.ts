/**
 * `fleetlab run --repeat N`: N repetitions as a one-entry suite (run dirs, suite.json, junit.xml),
 * thresholds from the command line judged in every repetition (exit 99 when one fails), and the
 * options a repeated run does not take refused up front (exit 2, nothing started).
 */
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fleetlab } from '../../helpers/cli.ts';

const base = ['run', 'scenarios/provision.ts', '--param', 'sites=1', '--param', 'nodesPerSite=2', '--param', 'timeScale=0'];

t.test('--repeat 3: three runs, one suite report, every repetition passed', async (t) => {
  const out = t.testdir();
  const r = await fleetlab([...base, '--repeat', '3', '--out', out], { timeoutMs: 300_000 });
  t.equal(r.code, 0, r.stderr.slice(-2000));
  const suite = JSON.parse(readFileSync(join(out, 'suite.json'), 'utf8')) as { runs: { id: string; runDir: string; exitCode: number; params: Record<string, string> }[] };
  t.equal(suite.runs.length, 3, 'three repetitions');
  t.same(suite.runs.map((x) => x.exitCode), [0, 0, 0]);
  for (const x of suite.runs) t.ok(existsSync(join(x.runDir, 'run.json')), `${x.id} has its run.json`);
  t.equal(new Set(suite.runs.map((x) => x.id)).size, 3, 'each repetition has its own id');
  t.equal(readFileSync(join(out, 'junit.xml'), 'utf8').match(/<testsuite /g)?.length, 3, 'one testsuite per repetition');
  t.match(r.stdout, /"runs":3/);
});

t.test('--repeat with a --threshold that fails: 99, judged in every repetition', async (t) => {
  const out = t.testdir();
  const r = await fleetlab([...base, '--repeat', '2', '--threshold', 'ttr.p50<1ms', '--out', out], { timeoutMs: 300_000 });
  t.equal(r.code, 99, r.stderr.slice(-2000));
  const suite = JSON.parse(readFileSync(join(out, 'suite.json'), 'utf8')) as { runs: { runDir: string; exitCode: number }[] };
  t.same(suite.runs.map((x) => x.exitCode), [99, 99]);
  for (const x of suite.runs) {
    const run = JSON.parse(readFileSync(join(x.runDir, 'run.json'), 'utf8')) as { thresholds: { name: string; ok: boolean }[] };
    t.ok(run.thresholds.some((th) => /ttr\.p50/.test(th.name) && !th.ok), 'the command-line threshold is in each run and failed');
  }
});

t.test('--repeat: bad counts and options it does not combine with are usage errors', async (t) => {
  for (const bad of ['0', 'two', '1001']) {
    const r = await fleetlab([...base, '--repeat', bad]);
    t.equal(r.code, 2, `--repeat ${bad}`);
    t.match(r.stderr, new RegExp(`--repeat '${bad}': expected an integer 1\\.\\.1000`));
  }
  const out = join(t.testdir(), 'never');
  const r = await fleetlab([...base, '--repeat', '2', '--dry-run', '--json', '--out', out]);
  t.equal(r.code, 2);
  t.match(r.stderr, /--repeat does not combine with --dry-run .*--json/);
  t.notOk(existsSync(out), 'nothing started');
});
