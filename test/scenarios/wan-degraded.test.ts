/**
 * The shipped wan-degraded scenario through the real CLI: 100 sites on mixed links with a
 * flapping subset; run.json carries per-node (per-site) phase times, the link-quality checks and
 * every fault window; the same seed gives the same links, flapping sites and outcomes.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fleetlab } from '../helpers/cli.ts';
import { readEvents } from '../helpers/run-json.ts';

interface RunJson {
  status: string;
  nodes: { name: string; site: string; outcome: string; phases: Record<string, number> }[];
  faults: { id: string; fault: string; selector: string; start: number; end: number; open: boolean }[];
  thresholds: { name: string; ok: boolean; value: number | null }[];
}

interface Ev {
  kind: string;
  id?: string;
  targets?: string[];
}

const read = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunJson;
const events = (dir: string) => readEvents<Ev>(dir);

t.test('100 sites on mixed links with flapping: all ready, time follows link quality, every window in run.json', async (t) => {
  const out = t.testdir();
  const r = await fleetlab(['run', 'scenarios/wan-degraded.ts', '--out', out], { timeoutMs: 240_000 }).catch((e: Error) => ({ code: -1, stderr: e.message, stdout: '' }));
  t.equal(r.code, 0, r.stderr);
  const run = read(out);
  t.equal(run.nodes.length, 100);
  t.ok(run.nodes.every((n) => n.outcome === 'ready' && typeof n.phases.tftp === 'number' && typeof n.phases.image === 'number'), 'per-node phase times for every site');
  t.equal(new Set(run.nodes.map((n) => n.site)).size, 100);
  const rho = run.thresholds.find((x) => /Spearman/.test(x.name));
  t.ok(rho?.ok, `network time follows link quality: rho ${rho?.value}`);
  t.ok(run.thresholds.find((x) => /satellite sites take longer/.test(x.name))?.ok);
  const flap = run.faults.filter((f) => f.fault === 'link-flap');
  const outer = flap.find((f) => f.id === 'wan-flap');
  const outages = flap.filter((f) => f.id.startsWith('wan-flap/down#'));
  t.ok(outer && !outer.open, 'the flap window, closed by healAll');
  t.ok(outages.length >= 2, `${outages.length} outage windows`);
  t.ok(outages.every((w) => !w.open && w.end > w.start && w.start >= outer!.start && w.end <= outer!.end), 'outages nest in the flap window');
  const starts = events(out).filter((e) => e.kind === 'fault.start' && e.id === 'wan-flap');
  t.equal(starts[0]?.targets?.length, 5, '5 % of 100 sites flap');
});

t.test('same seed twice: same flapping sites, same fault schedule, same per-node outcomes', async (t) => {
  const dir = t.testdir();
  const args = ['--param', 'sites=20', '--param', 'flapPercent=10', '--param', 'imageMB=1', '--param', 'minRho=-1', '--param', 'timeScale=0.02'];
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  const ra = await fleetlab(['run', 'scenarios/wan-degraded.ts', ...args, '--seed', '7', '--out', a], { timeoutMs: 180_000 });
  const rb = await fleetlab(['run', 'scenarios/wan-degraded.ts', ...args, '--seed', '7', '--out', b], { timeoutMs: 180_000 });
  t.equal(ra.code, 0, ra.stderr);
  t.equal(rb.code, 0, rb.stderr);
  const sched = (d: string) => events(d).filter((e) => e.kind === 'fault.start').map((e) => `${e.id} ${(e.targets ?? []).join(',')}`);
  const sa = sched(a);
  const sb = sched(b);
  const n = Math.min(sa.length, sb.length); // how many outages fit depends on the run's length
  t.ok(n >= 2);
  t.same(sa.slice(0, n), sb.slice(0, n));
  const outcomes = (d: string) => read(d).nodes.map((x) => `${x.name}:${x.outcome}`).sort();
  t.same(outcomes(a), outcomes(b));
});
