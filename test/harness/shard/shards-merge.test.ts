/**
 * Shards end to end: one `fleetlab serve reference` (the shared target + coordinator), three
 * `fleetlab run --shard /3` processes told their index by JOB_COMPLETION_INDEX (0, 1, 2, as a
 * Kubernetes Indexed Job does), then `fleetlab merge`. The merged run accounts for exactly the
 * nodes of the unsharded run, with the same identities; a shard killed with SIGKILL mid-run shows
 * up in the merged report as died, its nodes unfinished, the run failed.
 */
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fleetlab } from '../../helpers/cli.ts';
import { readEvents, readRun } from '../../helpers/run-json.ts';
import { nodeIdentities, runShard, serveReference } from './shard-kit.ts';

// Four fleetlab processes at once (seven with the unsharded run and merge): minutes on a busy 2-core host.
t.setTimeout(900_000);

const PROVISION = ['scenarios/provision.ts', '--param', 'sites=5', '--param', 'nodesPerSite=2', '--param', 'timeScale=0', '--seed', '7'];

t.test('3 shards against one shared reference target merge into the unsharded run', async (t) => {
  const dir = t.testdir();
  const served = await serveReference(t, PROVISION);
  const shards = await Promise.all([0, 1, 2].map((k) => runShard(PROVISION, k, 3, served.coordinator, dir)));
  shards.forEach((r, k) => t.equal(r.code, 0, `shard ${k + 1}/3: ${r.stderr}`));
  t.same(shards.map((r) => (JSON.parse(r.stdout) as { nodes: { total: number } }).nodes.total), [4, 4, 2], 'sites 0,3 | 1,4 | 2: round-robin slices');

  const whole = await fleetlab(['run', ...PROVISION, '--out', join(dir, 'whole'), '--json']);
  t.equal(whole.code, 0, whole.stderr);
  const merged = await fleetlab(['merge', ...[0, 1, 2].map((k) => join(dir, `shard-${k}`)), '--out', join(dir, 'merged'), '--json']);
  t.equal(merged.code, 0, merged.stderr);
  const m = JSON.parse(merged.stdout) as { status: string; nodes: object; shards: { status: string }[] };
  t.same(m.nodes, (JSON.parse(whole.stdout) as { nodes: object }).nodes, 'node accounting equals the unsharded run');
  t.same(m.nodes, { total: 10, ready: 10, failed: 0, unfinished: 0 });
  t.same(m.shards.map((s) => s.status), ['passed', 'passed', 'passed']);
  t.equal(m.status, 'passed');
  t.same(nodeIdentities(join(dir, 'merged')), nodeIdentities(join(dir, 'whole')), 'same names, sites, MACs and BMCs node by node');

  // Every node leased its address in its own site's subnet from the one shared server.
  const events = readEvents<{ kind: string; t: number; node?: string; site?: string; ip?: string }>(join(dir, 'merged'));
  const acks = events.filter((e) => e.kind === 'dhcp.ack');
  const siteIndex = (site: string) => Number(site.replace('site-', ''));
  t.ok(acks.length >= 10 && acks.every((e) => e.ip!.startsWith(`127.20.${siteIndex(e.site!)}.`)), 'leases in each site’s 127.20.<site>.0/24');
  const nodes = (await (await fetch(`${served.api}/nodes`)).json()) as { id: string; state: string }[];
  t.same(nodes.map((n) => n.state).sort(), Array(10).fill('active'), 'the shared server deployed all 10 nodes');
  t.ok(events.every((e, i) => i === 0 || e.t >= events[i - 1]!.t), 'one log in time order');
  t.equal(readRun(join(dir, 'merged')).thresholds.filter((x) => x.name.startsWith('[shard 2/3] ')).length, 2, "each shard's thresholds, named by shard");
  const stopped = await served.stop();
  t.equal(stopped.code, 0, `serve reference stops cleanly on SIGTERM: ${stopped.stderr}`);
});

t.test('a shard killed mid-run: died in the merged report, its nodes unfinished, exit 1', async (t) => {
  const dir = t.testdir();
  const gate = join(dir, 'gate');
  const args = ['test/harness/shard/fixtures/gated.scenario.ts', '--param', `gate=${gate}`];
  const served = await serveReference(t, args);
  let victim: ChildProcess | undefined;
  const runs = [0, 1, 2].map((k) => runShard(args, k, 3, served.coordinator, dir, k === 1 ? (c) => (victim = c) : undefined));
  // Kill shard 2/3 once it holds at the gate (its nodes logged, none provisioned), then open the gate.
  const log = join(dir, 'shard-1', 'events.ndjson');
  while (!(existsSync(log) && readFileSync(log, 'utf8').includes('"step":"wait at the gate"'))) await new Promise((r) => setTimeout(r, 50));
  victim!.kill('SIGKILL');
  writeFileSync(gate, '');
  const [a, b, c] = await Promise.all(runs);
  t.equal(a!.code, 0, a!.stderr);
  t.equal(b!.signal, 'SIGKILL');
  t.equal(c!.code, 0, c!.stderr);

  const merged = await fleetlab(['merge', join(dir, 'shard-0'), join(dir, 'shard-1'), join(dir, 'shard-2'), '--out', join(dir, 'merged'), '--json']);
  t.equal(merged.code, 1, merged.stderr);
  const m = JSON.parse(merged.stdout) as { status: string; nodes: object; shards: { shard: string; status: string; nodes: number }[] };
  t.same(m.shards.map((s) => [s.shard, s.status, s.nodes]), [['1/3', 'passed', 4], ['2/3', 'died', 4], ['3/3', 'passed', 4]]);
  t.same(m.nodes, { total: 12, ready: 8, failed: 0, unfinished: 4 }, "the dead shard's 4 nodes are unfinished");
  t.equal(m.status, 'interrupted', 'cut short by the dead shard');
  const run = readRun(join(dir, 'merged'));
  t.same(run.nodes.filter((n) => n.outcome === 'unfinished').map((n) => n.site).sort(), ['site-001', 'site-001', 'site-004', 'site-004'], 'the unfinished nodes are shard 2’s sites');
  const died = readEvents<{ kind: string; code?: string; msg?: string }>(join(dir, 'merged')).filter((e) => e.code === 'FLEETLAB_ERR_SHARD_DIED');
  t.match(died, [{ kind: 'log', msg: /shard 2\/3 died: .*shard-1\/events\.ndjson ends without run\.end/ }]);
  t.match(readFileSync(join(dir, 'merged', 'junit.xml'), 'utf8'), /<error type="interrupted" message="run interrupted: shard 2\/3 died; 4 node\(s\) unfinished"/, 'junit: a run-status error naming the dead shard');
});

t.test('merge rejects a directory that is no shard and shards of different runs (exit 2)', async (t) => {
  const dir = t.testdir({ plain: { 'events.ndjson': '' } });
  const r = await fleetlab(['merge', join(dir, 'plain'), '--out', join(dir, 'm')]);
  t.equal(r.code, 2);
  t.match(r.stderr, /FLEETLAB_ERR_MERGE_INVALID: .*plain\/shard\.json: not a shard run directory/);
});

t.test('an unreachable coordinator: exit 2 before anything starts', async (t) => {
  const out = join(t.testdir(), 'run');
  const port = await closedPort();
  const r = await fleetlab(['run', ...PROVISION, '--shard', '1/2', '--coordinator', `http://127.0.0.1:${port}`, '--out', out]);
  t.equal(r.code, 2, r.stderr);
  t.match(r.stderr, new RegExp(`FLEETLAB_ERR_SHARD_COORDINATOR: coordinator http://127\\.0\\.0\\.1:${port}/target: .*ECONNREFUSED`));
  t.notOk(existsSync(out), 'no run directory');
});

/** A loopback port nothing listens on (bound, then closed). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
