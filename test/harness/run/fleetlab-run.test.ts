/**
 * End to end: the real CLI runs the shipped provision scenario against the reference target.
 */
import t from 'tap';
import { existsSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fleetlab, API } from '../../helpers/cli.ts';
import { readEvents } from '../../helpers/run-json.ts';

const ORDERED = ['dhcp', 'tftp', 'script', 'kernel', 'image', 'callback', 'ready'] as const;

t.test('provision 10 sites × 3 nodes: exit 0, run dir with events, run.json with ordered phase timestamps', async (t) => {
  const out = t.testdir();
  const r = await fleetlab(['run', 'scenarios/provision.ts', '--param', 'sites=10', '--param', 'nodesPerSite=3', '--out', out]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, new RegExp(`run directory ${out}`), 'prints the run directory');
  for (const f of ['events.ndjson', 'run.json', 'junit.xml']) t.ok(existsSync(join(out, f)), `${f} written`);
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { nodes: { name: string; outcome: string; phases: Record<string, number> }[] };
  t.equal(run.nodes.length, 30);
  t.equal(run.nodes.filter((n) => n.outcome === 'ready').length, 30, '30 nodes ready');
  for (const n of run.nodes) {
    const times = ORDERED.map((p) => n.phases[p]);
    if (times.some((x) => typeof x !== 'number')) {
      t.fail(`${n.name} lacks a phase timestamp: ${JSON.stringify(n.phases)}`);
      continue;
    }
    const inOrder = times.every((x, i) => i === 0 || x! >= times[i - 1]!);
    if (!inOrder) t.fail(`${n.name} phases out of order: ${JSON.stringify(n.phases)}`);
  }
  const events = readEvents<{ kind: string; t: number }>(out);
  t.equal(events[0]!.kind, 'run.start');
  t.equal(events.at(-1)!.kind, 'run.end');
  t.ok(events.every((e, i) => i === 0 || e.t >= events[i - 1]!.t), 'event times are monotonic');
  const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
  t.match(junit, /<testcase[^>]*name="all nodes ready"/, 'a JUnit testcase per threshold');
});

t.test('--json prints exactly one JSON object with the stable shape', async (t) => {
  const out = t.testdir();
  const r = await fleetlab(['run', 'scenarios/provision.ts', '--param', 'sites=2', '--param', 'nodesPerSite=2', '--param', 'timeScale=0', '--json', '--out', out]);
  t.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.equal(lines.length, 1, 'one line on stdout');
  const s = JSON.parse(lines[0]!) as Record<string, unknown>;
  t.same(Object.keys(s).sort(), ['host', 'nodes', 'phasesMs', 'runDir', 'seed', 'status', 'thresholds', 'timeScale', 'timeToReadyMs'].sort());
  t.equal(s.timeScale, 0, 'timeScale 0: wall-clock times, no wallMs block');
  t.equal(s.status, 'passed');
  t.same(s.nodes, { total: 4, ready: 4, failed: 0, unfinished: 0 });
  t.same(Object.keys(s.host as object).sort(), ['maxLoopLagMs', 'ownSocketDrops', 'saturatedMs', 'udpDrops']);
  t.same(Object.keys(s.timeToReadyMs as object).sort(), ['max', 'p50', 'p95']);
  t.same(Object.keys((s.phasesMs as Record<string, object>).image!).sort(), ['max', 'p50', 'p95']);
  t.ok((s.thresholds as { ok: boolean }[]).every((x) => x.ok));
});

t.test('a threshold that fails exits 99 (k6 code; 1 is kept for a run that failed)', async (t) => {
  const out = t.testdir();
  const r = await fleetlab(['run', 'scenarios/provision.ts', '--param', 'sites=1', '--param', 'nodesPerSite=2', '--param', 'p95ReadyMs=1', '--json', '--out', out]);
  t.equal(r.code, 99, r.stderr);
  const s = JSON.parse(r.stdout) as { status: string; thresholds: { name: string; ok: boolean }[] };
  t.equal(s.status, 'failed');
  t.ok(s.thresholds.some((x) => !x.ok && /p95/.test(x.name)));
});

t.test('bad input: every problem with its path, exit 2, nothing started', async (t) => {
  const r1 = await fleetlab(['run', 'scenarios/provision.ts', '--param', 'sites=ten', '--param', 'colour=red']);
  t.equal(r1.code, 2);
  t.match(r1.stderr, /FLEETLAB_ERR_PARAM_INVALID/);
  t.match(r1.stderr, /--param sites: expected a number, got 'ten'/);
  t.match(r1.stderr, /--param colour: unknown parameter \(known: sites, nodesPerSite/);

  const dir = mkdtempSync(join(tmpdir(), 'fleetlab-bad-'));
  const file = join(dir, 'bad.ts');
  // A user's scenario lives in their own ESM package.
  writeFileSync(join(dir, 'package.json'), '{"type": "module"}');
  writeFileSync(
    file,
    `import { defineScenario } from '${API}';
export default defineScenario({
  name: 'bad',
  lab: { sites: [{ name: 'x', nodes: 999 }, { name: 'x', profile: 'nope' }], timeScale: -1 },
  async run() {},
});
`,
  );
  const r2 = await fleetlab(['run', file, '--target', 'nosuch']);
  t.equal(r2.code, 2);
  t.match(r2.stderr, /FLEETLAB_ERR_SCENARIO_INVALID/);
  for (const m of [/lab\.sites\[0\]\.nodes: expected an integer 0\.\.240, got 999/, /lab\.sites\[1\]\.name: duplicate site name 'x'/, /lab\.sites\[1\]\.profile: unknown profile 'nope'/, /lab\.timeScale/, /--target: unknown target 'nosuch'/])
    t.match(r2.stderr, m);

  const r3 = await fleetlab(['run', join(dir, 'missing.ts')]);
  t.equal(r3.code, 2);
  t.match(r3.stderr, /FLEETLAB_ERR_SCENARIO_LOAD: .*missing\.ts: no such file/);
  const r4 = await fleetlab(['run', 'scenarios/provision.ts', '--bogus']);
  t.equal(r4.code, 2);
  t.match(r4.stderr, /FLEETLAB_ERR_USAGE: unknown option '--bogus'/);
});

t.test('--dry-run prints the plan and starts nothing', async (t) => {
  const out = join(t.testdir(), 'never');
  const r = await fleetlab(['run', 'scenarios/provision.ts', '--param', 'sites=3', '--param', 'nodesPerSite=4', '--dry-run', '--out', out]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /sites 3, nodes 12/);
  t.match(r.stdout, /site-002\s+127\.20\.2\.0\/24 relay 127\.20\.2\.1\s+4 nodes/);
  t.match(r.stdout, /steps: start target reference/);
  t.notOk(existsSync(out), 'no run directory created');
});

t.test('SIGINT mid-run: exit 130, teardown complete (process exits on its own), log complete, report rebuilds', async (t) => {
  const out = t.testdir();
  let sent = false;
  const r = await fleetlab(['run', 'scenarios/provision.ts', '--param', 'sites=5', '--param', 'nodesPerSite=4', '--param', 'timeScale=0.2', '--out', out], {
    timeoutMs: 60_000,
    onSpawn: (child) => {
      // Interrupt once nodes are mid-boot (after the provision step started). The progress line
      // `[t] provision …`, not the first line, which names the run `provision-…`.
      child.stderr!.on('data', (d: Buffer) => {
        if (!sent && /\] provision …/.test(d.toString())) {
          sent = true;
          setTimeout(() => child.kill('SIGINT'), 1500);
        }
      });
    },
  });
  t.ok(sent, 'interrupted mid-run');
  // Node only exits by itself when every socket, server and timer is closed: reaching 'close'
  // with code 130 (not our SIGKILL timeout) shows teardown released everything.
  t.equal(r.code, 130, r.stderr);
  const events = readEvents<{ kind: string; status?: string }>(out);
  t.same(events.at(-1), { ...events.at(-1), kind: 'run.end', status: 'interrupted' }, 'log ends with run.end interrupted');
  const rep = await fleetlab(['report', out]);
  t.equal(rep.code, 0, rep.stderr);
  t.match(rep.stdout, /nodes: 20 total/);
});

t.test('--reporter tap: TAP on stdout, a test point per threshold', async (t) => {
  const out = t.testdir();
  const r = await fleetlab(['run', 'scenarios/provision.ts', '--param', 'sites=1', '--param', 'nodesPerSite=2', '--param', 'timeScale=0', '--reporter', 'tap', '--out', out]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^TAP version 14\n/);
  t.match(r.stdout, /^ok \d+ - threshold: all nodes ready$/m);
  t.match(r.stdout, /^1\.\.\d+$/m);
});

t.test('the sim tier against the reference target runs as a non-root user (no port below 1024)', async (t) => {
  const { chmodSync, mkdtempSync: mk } = await import('node:fs');
  const dir = mk(join(tmpdir(), 'fleetlab-nobody-'));
  chmodSync(dir, 0o777);
  // setpriv (util-linux) drops to nobody; when the tests themselves run unprivileged this is the plain run.
  // `env -u NODE_OPTIONS`: tap's process-info hook (added to every child's NODE_OPTIONS by tap's
  // spawn wrapper) writes into .tap/, which nobody cannot; it is the test runner's, not fleetlab's.
  const asNobody = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'env', '-u', 'NODE_OPTIONS', `HOME=${dir}`] : [];
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(asNobody[0] ?? process.execPath, [...asNobody.slice(1), ...(asNobody.length ? [process.execPath] : []), 'bin/fleetlab.js', 'run', 'scenarios/provision.ts', '--param', 'sites=2', '--param', 'nodesPerSite=2', '--param', 'timeScale=0', '--json', '--out', join(dir, 'run')], {
    cwd: join(import.meta.dirname, '../../..'),
    encoding: 'utf8',
    timeout: 120_000,
  });
  t.equal(r.status, 0, r.stderr);
  t.match(JSON.parse(r.stdout), { status: 'passed', nodes: { total: 4, ready: 4 } });
});

t.test('reusing an --out directory starts a fresh log (runs are not mixed)', async (t) => {
  const out = t.testdir();
  const args = ['run', 'scenarios/provision.ts', '--param', 'sites=1', '--param', 'nodesPerSite=2', '--param', 'timeScale=0', '--json', '--out', out];
  t.equal((await fleetlab(args)).code, 0);
  t.equal((await fleetlab(args)).code, 0);
  const kinds = readEvents(out).map((e) => e.kind);
  t.equal(kinds.filter((k) => k === 'run.start').length, 1, 'one run in the log');
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { nodes: unknown[] };
  t.equal(run.nodes.length, 2);
});
