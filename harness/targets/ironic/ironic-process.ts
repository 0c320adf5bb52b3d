/**
 * Starts and stops a standalone Ironic (API + conductor in one process) from Debian's packages.
 *
 *   mkdtemp ─▶ write ironic.conf ─▶ dbsync create_schema ─▶ spawn singleprocess ─▶ poll GET /v1
 *   stop(): SIGTERM to the process group ─(5 s)─▶ SIGKILL ─▶ wait for exit ─▶ rm run dir
 *
 * Debian's python3-ironic ships no entry points, so we run its modules with Debian's own
 * interpreter (`/usr/bin/python3`; another python3 on PATH may not see Debian's dist-packages).
 * The child gets its own process group so ipmitool children die with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FleetlabError } from '../../../lab/base/errors.ts';
import { ironicConf, ironicConfPaths, type IronicConfigOptions } from './ironic-config.ts';

type IronicConfPaths = ReturnType<typeof ironicConfPaths>;

export interface IronicProcessOptions {
  /** URL where the caller serves `<dir>/http` (boot.ipxe, per-node scripts, cached deploy images). */
  httpUrl: string | ((paths: ReturnType<typeof ironicConfPaths>) => Promise<string>);
  host?: string;
  /** 0 or absent = pick a free port (tests run in parallel). */
  port?: number;
  /** Run directory; default a fresh mkdtemp removed on stop(). */
  dir?: string;
  python?: string;
  /** Until GET /v1 answers 200, ms. */
  startTimeoutMs?: number;
  conf?: Omit<Partial<IronicConfigOptions>, 'dir' | 'host' | 'port' | 'httpUrl'>;
  /** Keep the run dir after stop() (logs for a failed run). */
  keepDir?: boolean;
}

export interface IronicProcess {
  readonly url: string;
  readonly dir: string;
  readonly paths: ReturnType<typeof ironicConfPaths>;
  readonly pid: number;
  /** Resolves when the process has exited (by stop(), kill() or a crash). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly running: boolean;
  /** Sends a signal to Ironic's process group now (the target-kill fault); does not wait. */
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves after exit and cleanup. Idempotent. */
  stop(graceMs?: number): Promise<void>;
  /** Last lines of ironic.log (for error messages). */
  logTail(lines?: number): Promise<string>;
}

const PY_MAIN = (mod: string, argv0: string) =>
  `import sys; from ${mod} import main; sys.argv[0]=${JSON.stringify(argv0)}; sys.exit(main())`;

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** Live Ironic children of this Node process, killed synchronously if Node exits without stop(). */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) {
      try {
        if (c.pid) process.kill(-c.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

export async function startIronic(opts: IronicProcessOptions): Promise<IronicProcess> {
  const host = opts.host ?? '127.0.0.1';
  const python = opts.python ?? '/usr/bin/python3';
  const ownDir = !opts.dir;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'fleetlab-ironic-')));
  const paths = ironicConfPaths(dir);
  const cleanupDir = async () => {
    if (ownDir && !opts.keepDir) await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const d of [paths.httpRoot, paths.tftpRoot, paths.state, join(paths.state, 'tmp'), join(paths.state, 'locks')]) {
      await mkdir(d, { recursive: true });
    }
    const port = opts.port || (await freePort(host));
    const httpUrl = typeof opts.httpUrl === 'string' ? opts.httpUrl : await opts.httpUrl(paths);
    await writeFile(paths.conf, ironicConf({ ...opts.conf, dir, host, port, httpUrl }));
    await prepareDatabase(python, paths, dir);
    const proc = await spawnIronic(python, `http://${host}:${port}`, dir, paths, cleanupDir);
    await waitForApi(proc, opts.startTimeoutMs ?? 90_000);
    return proc;
  } catch (e) {
    await cleanupDir();
    throw e;
  }
}

/** Schema for a fresh database, an upgrade for an existing one (restart after a kill); then WAL. */
async function prepareDatabase(python: string, paths: IronicConfPaths, dir: string): Promise<void> {
  const dbCmd = existsSync(paths.db) ? 'upgrade' : 'create_schema';
  const db = await run(python, ['-c', PY_MAIN('ironic.cmd.dbsync', 'ironic-dbsync'), '--config-file', paths.conf, dbCmd], 120_000).catch(
    (e: Error) => ({ code: -1, out: e.message }),
  );
  if (db.code !== 0) {
    throw new FleetlabError('TARGET_START', `ironic dbsync ${dbCmd} failed (exit ${db.code}) in ${dir}: ${db.out.trim().split('\n').slice(-5).join(' | ')}`);
  }
  // WAL journal (persistent in the file): readers no longer wait on the writer. sqlite's busy
  // wait is a real blocking call, so in all-in-one Ironic a lock wait stalls eventlet's whole
  // hub — API and conductor — which left nodes stuck in `verifying` under load.
  const wal = await run(python, ['-c', `import sqlite3; c = sqlite3.connect(${JSON.stringify(paths.db)}); print(c.execute('PRAGMA journal_mode=WAL').fetchone()[0]); c.close()`], 30_000).catch(
    (e: Error) => ({ code: -1, out: e.message }),
  );
  if (wal.code !== 0 || !/wal/i.test(wal.out)) throw new FleetlabError('TARGET_START', `ironic: cannot switch ${paths.db} to WAL: ${wal.out.trim()}`);
}

/** Spawns all-in-one Ironic in its own process group; `stop()` also runs `cleanupDir`. */
async function spawnIronic(python: string, url: string, dir: string, paths: IronicConfPaths, cleanupDir: () => Promise<void>): Promise<IronicProcess> {
  const child = spawn(python, ['-c', PY_MAIN('ironic.cmd.singleprocess', 'ironic'), '--config-file', paths.conf], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true, // own process group: stop() signals -pid and reaches ipmitool children too
  });
  if (!child.pid) {
    await new Promise((r) => child.once('error', r));
    throw new FleetlabError('TARGET_START', `cannot spawn ${python} for ironic`);
  }
  const pid = child.pid;
  live.add(child);
  installExitHook();
  let stderrTail = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderrTail = (stderrTail + d.toString()).slice(-4000);
  });
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      live.delete(child);
      resolve({ code, signal });
    });
  });
  const signalGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      /* group already gone */
    }
  };
  let stopping: Promise<void> | undefined;
  return {
    url,
    dir,
    paths,
    pid,
    exited,
    get running() {
      return running;
    },
    kill: (sig = 'SIGKILL') => signalGroup(sig),
    stop(graceMs = 5000) {
      stopping ??= (async () => {
        if (running) {
          signalGroup('SIGTERM');
          const t = setTimeout(() => signalGroup('SIGKILL'), graceMs);
          await exited;
          clearTimeout(t);
        }
        signalGroup('SIGKILL'); // stragglers in the group (ipmitool)
        await cleanupDir();
      })();
      return stopping;
    },
    async logTail(n = 20) {
      const text = await readFile(paths.log, 'utf8').catch(() => '');
      return (text + stderrTail).trim().split('\n').slice(-n).join('\n');
    },
  };
}

/** Until GET /v1 answers 200 (first one after ~3-4 s on this kind of machine); stops Ironic on failure. */
async function waitForApi(proc: IronicProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!proc.running) {
      const tail = await proc.logTail(8);
      await proc.stop();
      throw new FleetlabError('TARGET_START', `ironic exited during start-up (${proc.dir}): ${tail.replace(/\n/g, ' | ')}`);
    }
    try {
      const res = await fetch(`${proc.url}/v1`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      const tail = await proc.logTail(8);
      await proc.stop();
      throw new FleetlabError('TARGET_START', `ironic did not answer GET ${proc.url}/v1 within ${timeoutMs} ms: ${tail.replace(/\n/g, ' | ')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
