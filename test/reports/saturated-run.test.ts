/**
 * Acceptance (issue 18): a run made while the test saturates the CPU with busy processes is flagged
 * saturated in its reports, and `compare` against quiet baselines does not call what that changed
 * a regression: the phases measured while the host was saturated answer UNKNOWN ("host saturated"),
 * never DIFFERENT. The baselines may be saturated too on a busy CI host; the rule is the same.
 */
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fleetlab } from '../helpers/cli.ts';
import { SATURATED_SHARE } from '../../reports/compare-runs.ts';

t.setTimeout(600_000);

const args = (out: string) => ['run', 'scenarios/provision.ts', '--param', 'sites=2', '--param', 'nodesPerSite=5', '--param', 'timeScale=0.01', '--out', out];

interface RunJson { host: { saturatedMs: number; saturatedPhaseShare: Record<string, number> } }
const runJson = (d: string) => JSON.parse(readFileSync(join(d, 'run.json'), 'utf8')) as RunJson;

t.test('a run on a saturated CPU is flagged; compare answers UNKNOWN for its phases, not DIFFERENT', async (t) => {
  const dir = t.testdir();
  const bases = [join(dir, 'quiet-1'), join(dir, 'quiet-2')];
  for (const b of bases) {
    const r = await fleetlab(args(b), { timeoutMs: 240_000 });
    t.equal(r.code, 0, `baseline ${b}: ${r.stderr.slice(-800)}`);
  }

  // Twice as many spinning processes as cores: the run's thread waits for a CPU most of the time.
  const spinners: ChildProcess[] = [];
  t.teardown(() => spinners.forEach((s) => s.kill('SIGKILL')));
  for (let i = 0; i < availableParallelism() * 2; i++) spinners.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  const busy = join(dir, 'busy');
  const r = await fleetlab(args(busy), { timeoutMs: 400_000 });
  spinners.forEach((s) => s.kill('SIGKILL'));
  t.equal(r.code, 0, `the busy run still provisions: ${r.stderr.slice(-800)}`);

  const run = runJson(busy);
  t.ok(run.host.saturatedMs > 0, `run.json flags saturation: ${run.host.saturatedMs} ms`);
  const summary = await fleetlab(['report', busy]);
  t.match(summary.stdout, /host saturated for/, 'the summary says so');

  const c = await fleetlab(['compare', ...bases, busy, '--json']);
  t.not(c.code, 2, c.stderr);
  const cmp = JSON.parse(c.stdout) as { metrics: { metric: string; verdict: string; reason: string; deltaPct: number }[]; regressions: string[] };
  const share = (p: string) => Math.max(...[busy, ...bases].map((d) => runJson(d).host.saturatedPhaseShare[p] ?? 0));
  const phases = cmp.metrics.filter((m) => m.metric.startsWith('phase_ms.'));
  const flagged = phases.filter((m) => share(m.metric.slice('phase_ms.'.length)) > SATURATED_SHARE);
  t.ok(flagged.length > 0, `some phases were measured while saturated: ${flagged.map((m) => m.metric).join(', ')}`);
  for (const m of flagged) t.not(m.verdict, 'DIFFERENT', `${m.metric}: ${m.verdict} (${m.reason})`);
  t.ok(phases.some((m) => m.verdict === 'UNKNOWN' && /^host saturated/.test(m.reason)), `a phase the load changed is UNKNOWN "host saturated": ${phases.map((m) => `${m.metric} ${m.verdict} ${m.deltaPct.toFixed(0)} %`).join('; ')}`);
  t.same(cmp.regressions.filter((x) => flagged.some((m) => m.metric === x)), [], 'no saturated phase is a regression');
});
