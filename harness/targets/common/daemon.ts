/**
 * Runs a server under test (dnsmasq, kea-dhcp4) as a foreground child and waits until its log
 * says it is serving. stop() = SIGTERM, SIGKILL after a grace period, then wait for exit.
 *
 *   spawn ─▶ stderr/stdout lines ─▶ ready regexp? resolve : (fatal line / exit before ready?
 *   reject with the one line that says why; the log tail rides in the error details)
 */
import { spawn } from 'node:child_process';
import { FleetlabError } from '../../../lab/base/errors.ts';

export interface DaemonOptions {
  name: string;
  cmd: string;
  args: string[];
  env?: Record<string, string>;
  /** A log line that means "serving". */
  ready: RegExp;
  /** A log line that means start-up failed even if the process lingers. */
  fatal?: RegExp;
  startTimeoutMs?: number;
}

export interface Daemon {
  readonly pid: number;
  readonly running: boolean;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last ~200 log lines. */
  log(): string[];
  kill(signal?: NodeJS.Signals): void;
  stop(graceMs?: number): Promise<void>;
}

export async function startDaemon(o: DaemonOptions): Promise<Daemon> {
  const child = spawn(o.cmd, o.args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...(o.env ?? {}) } });
  const lines: string[] = [];
  let running = true;
  let partial = '';
  let onLine: (l: string) => void = () => {};
  const take = (d: Buffer) => {
    const text = partial + d.toString();
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    for (const l of parts) {
      lines.push(l);
      if (lines.length > 200) lines.shift();
      onLine(l);
    }
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const killOnExit = () => {
    if (running) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const d: Daemon = {
    get pid() {
      return child.pid ?? -1;
    },
    get running() {
      return running;
    },
    exited,
    log: () => [...lines, ...(partial ? [partial] : [])],
    kill: (sig = 'SIGKILL') => {
      if (running) child.kill(sig);
    },
    async stop(graceMs = 3000) {
      process.off('exit', killOnExit);
      if (!running) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
  };

  const { outcome, fatalLine } = await awaitStartup(o, exited, spawnError, (f) => (onLine = f));
  onLine = () => {};
  if (outcome !== 'ready') {
    await d.stop(500);
    // One line that says why (the fatal line, else the last error-looking one), not a log dump;
    // the last lines stay in the error's details for whoever wants them.
    const log = d.log();
    const why = keyLine(fatalLine, log);
    throw new FleetlabError('TARGET_START', `${o.name}: ${outcome}${why ? `: ${why}` : ''}`, { log: log.slice(-40) });
  }
  return d;
}

type Exit = { code: number | null; signal: NodeJS.Signals | null };

/**
 * Waits for the first thing that settles start-up: the ready line, a fatal line, exit, a spawn
 * error or the timeout. `listen` installs the per-line check on the daemon's log reader (also
 * used for a daemon in a container, ../container/container-daemon.ts).
 */
export async function awaitStartup(
  o: DaemonOptions,
  exited: Promise<Exit>,
  spawnError: Promise<Error>,
  listen: (onLine: (l: string) => void) => void,
): Promise<{ outcome: 'ready' | string; fatalLine: string | undefined }> {
  let fatalLine: string | undefined;
  const outcome = await new Promise<'ready' | string>((resolve) => {
    const timer = setTimeout(() => resolve(`no '${o.ready.source}' in its log within ${o.startTimeoutMs ?? 15_000} ms`), o.startTimeoutMs ?? 15_000);
    listen((l) => {
      if (o.ready.test(l)) {
        clearTimeout(timer);
        resolve('ready');
      } else if (o.fatal?.test(l)) {
        clearTimeout(timer);
        fatalLine = l;
        resolve('failed to start');
      }
    });
    void exited.then((x) => {
      clearTimeout(timer);
      resolve(`exited (code ${x.code}, signal ${x.signal}) during start-up`);
    });
    void spawnError.then((e) => {
      clearTimeout(timer);
      resolve(`cannot spawn ${o.cmd}: ${e.message}`);
    });
  });
  return { outcome, fatalLine };
}

/** Kea/dnsmasq log prefixes ("2026-12-07 01:22:25.427 WARN  [kea-dhcp4.dhcpsrv/18754.1401…] ", "dnsmasq: "). */
const LOG_PREFIX = /^(?:\d{4}-\d\d-\d\d[ T][\d:.]+\s+\w+\s+\[[^\]]*\]\s*|[\w-]+(?:\[\d+\])?:\s+)/;
const ERRORISH = /\b(?:FATAL|ERROR|WARN)\b|fail|error|denied|cannot|unable|invalid/i;

/** The log line that explains a failed start, without its timestamp/thread prefix, ≤ 300 chars. */
export function keyLine(fatal: string | undefined, log: string[]): string {
  const line = fatal ?? [...log].reverse().find((l) => ERRORISH.test(l)) ?? log.findLast((l) => l.trim() !== '') ?? '';
  const text = line.trim().replace(LOG_PREFIX, '');
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
