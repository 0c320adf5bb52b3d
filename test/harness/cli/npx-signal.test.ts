/**
 * Signals reach fleetlab however it is started (issue 20): `timeout -s TERM N npx fleetlab run …`
 * signals only the npx pid (npm → sh -c → node; neither passes SIGTERM on). fleetlab must notice
 * its launcher is gone, tear down as on SIGTERM and leave no process and no bound port. The test
 * does what `timeout` does, but only once the run is up and listening (a loaded host may take
 * long to start; the deadlines below are generous on purpose and not what is asserted).
 */
import t from 'tap';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../helpers/cli.ts';
import { readEvents } from '../../helpers/run-json.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** PIDs of fleetlab processes whose command line carries `marker` (the run's unique --out dir). */
function fleetlabPids(marker: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let argv: string[] = [];
    try {
      argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    // argv[1] is the script: the fleetlab bin (npx itself starts as `node …/npx-cli.js fleetlab …`).
    if (argv.includes(marker) && argv[0]?.endsWith('node') && /\/fleetlab(\.js)?$/.test(argv[1] ?? '')) out.push(Number(d));
  }
  return out;
}

/** Listening TCP/UDP sockets as "addr:port", optionally only those of one pid. */
function listeners(pid?: number): string[] {
  const text = execFileSync('ss', ['-lntupH'], { encoding: 'utf8' });
  return text
    .split('\n')
    .filter((l) => l.trim() && (pid === undefined || l.includes(`pid=${pid},`)))
    .map((l) => l.trim().split(/\s+/)[4]!);
}

async function until<T>(what: string | (() => string), ms: number, fn: () => T | undefined): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${typeof what === 'string' ? what : what()}: not within ${ms} ms`);
    await sleep(250);
  }
}

t.test('SIGTERM to the npx pid stops fleetlab: no process, no bound port', async (t) => {
  // The first `npx fleetlab` in a checkout links the package into npm's cache: do it outside the clock.
  execFileSync('npx', ['fleetlab', '--help'], { cwd: ROOT, timeout: 180_000, stdio: 'ignore' });
  const out = mkdtempSync(join(tmpdir(), 'fl-npx-term-'));
  // timeScale 1: provisioning takes modelled minutes in real time, so the run is still going when killed.
  const npx = spawn('npx', ['fleetlab', 'run', 'scenarios/provision.ts', '--param', 'sites=1', '--param', 'nodesPerSite=1', '--param', 'timeScale=1', '--out', out], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  npx.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const npxExit = new Promise<void>((r) => npx.once('exit', () => r()));
  t.teardown(() => {
    for (const p of fleetlabPids(out)) process.kill(p, 'SIGKILL'); // only if the test already failed
  });

  const pid = await until('fleetlab started under npm → sh → node', 120_000, () => fleetlabPids(out)[0]);
  const ports = await until(() => `the run listening and waiting for its nodes (pid ${pid}: ${listeners(pid).join(' ')})\n${stderr.slice(-1500)}`, 120_000, () => {
    const l = listeners(pid);
    return l.length > 0 && /wait for ready/.test(stderr) ? l : undefined;
  });
  t.not(pid, npx.pid, 'fleetlab is not the npx process itself');
  t.comment(`fleetlab pid ${pid} under npx pid ${npx.pid}, listening on ${ports.join(' ')}`);

  process.kill(npx.pid!, 'SIGTERM'); // what `timeout -s TERM` sends
  await npxExit;
  await until('fleetlab gone after its launcher died', 60_000, () => (fleetlabPids(out).length === 0 ? true : undefined));
  t.same(fleetlabPids(out), [], 'no fleetlab process is left');
  const still = listeners().filter((l) => ports.includes(l));
  t.same(still, [], `none of the run's ports is still bound (${ports.join(' ')})`);
  const end = readEvents(out).find((e) => e.kind === 'run.end');
  t.match(end, { status: 'interrupted', reason: 'SIGTERM' }, 'the run tore down as on SIGTERM and wrote its run.end');
});
