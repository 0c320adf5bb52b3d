/**
 * Issue 20 item 6: every chaos scenario (scenarios/chaos-*.ts) tells one story per node — the
 * rollout's per-wave verdicts, run.json, --json, junit.xml and report.html agree node by node
 * (test/helpers/one-story.ts) — at CI scale, and in the acceptance case: chaos-wan at 60 nodes
 * with 80 % of sites flapping, 50 % partitioned, no retries and a 120 s ready timeout, where most
 * deployments are given up on (abandoned) and must not turn up ready afterwards.
 */
import t, { type Test } from 'tap';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fleetlab, ROOT } from '../helpers/cli.ts';
import { assertOneStory } from '../helpers/one-story.ts';

/** CI-scale params per chaos scenario: a new scenarios/chaos-*.ts fails here until it has an entry. */
const CI_PARAMS: Record<string, string[]> = {
  'chaos-wan.ts': ['sites=12', 'partitionPercent=25', 'partitionEveryMs=30000', 'partitionMs=600000', 'flapDownMs=40000'],
};

const run = async (t: Test, scenario: string, params: string[]) => {
  const out = t.testdir();
  const r = await fleetlab(['run', `scenarios/${scenario}`, ...params.flatMap((p) => ['--param', p]), '--out', out, '--json'], { timeoutMs: 300_000 });
  const json = JSON.parse(r.stdout) as { status: string; nodes: { total: number; ready: number; failed: number; unfinished: number } };
  return { out, r, json };
};

const chaos = readdirSync(join(ROOT, 'scenarios')).filter((f) => /^chaos-.*\.ts$/.test(f));
t.ok(chaos.length > 0, 'there are chaos scenarios');
for (const f of chaos) {
  t.test(`${f}: one story per node at CI scale`, async (t) => {
    const params = CI_PARAMS[f];
    if (!params) return t.fail(`${f} has no CI_PARAMS entry in this test`);
    const { out, r, json } = await run(t, f, params);
    t.equal(r.code, 0, r.stderr.slice(-2000));
    assertOneStory(t, out, r.code, json);
  });
}

t.test('chaos-wan acceptance: 60 nodes, 80 % flap, 50 % partition, retries=0, readyTimeoutMs=120000', async (t) => {
  const { out, r, json } = await run(t, 'chaos-wan.ts', ['sites=30', 'nodesPerSite=2', 'flapPercent=80', 'partitionPercent=50', 'retries=0', 'readyTimeoutMs=120000']);
  // 0 passed, 99 thresholds failed (the README's exit table), 1 the run failed: each a verdict.
  t.ok(r.code === 0 || r.code === 99 || r.code === 1, `a verdict, not bad input or a crash (exit ${r.code}): ${r.stderr.slice(-1000)}`);
  const nodes = assertOneStory(t, out, r.code, json);
  t.equal(nodes.length, 60);
  t.equal(json.nodes.ready + json.nodes.failed + json.nodes.unfinished, 60, 'every node accounted');
  const timedOut = nodes.filter((n) => n.outcome === 'failed' && n.error?.code === 'FLEETLAB_ERR_NODE_TIMEOUT');
  t.ok(timedOut.length > 0, `some deployments were given up on (${timedOut.length}), so the case is exercised`);
  t.equal(nodes.filter((n) => n.outcome === 'unfinished').length, 0, 'a given-up node is failed, not unfinished');
});
