/**
 * `sh`: zx's `$` tagged template for scenarios, configured by the run (issue 21 item 1). The
 * operator's tooling after provisioning (a smoke test, a site script, ansible-playbook) runs as a
 * real process, and the run records it like everything else:
 *
 *   sh`cmd ${arg}` ─zx (quoting, shell)─▶ child in its own process group, cwd = run dir,
 *        env + FLEETLAB_RUN_DIR [+ FLEETLAB_INVENTORY]
 *        ├─ output ─▶ <run dir>/shell/<id>.log (all of it) + shell.output events (first lines)
 *        ├─ timeout / run aborted (SIGINT, SIGTERM) ─▶ SIGTERM to the whole group, SIGKILL after a grace
 *        └─ end ─▶ shell.end {exitCode, signal, ms, tail, logFile}; non-zero ─▶ FLEETLAB_ERR_SHELL_EXIT,
 *                  timeout ─▶ FLEETLAB_ERR_SHELL_TIMEOUT (the step fails with that code)
 *
 * Timeouts are wall-clock ms: a real process is on the other end (ARCHITECTURE.md "Habits").
 * The group is always signalled at the end too, so a background job a command left behind does
 * not outlive its step.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { $ as zx, type ProcessOutput, type ProcessPromise } from 'zx';
import { FleetlabError } from '../../lab/base/errors.ts';
import type { EventLog } from '../events/event-log.ts';
import type { ShellApi, ShellOptions, ShellResult } from '../scenario.ts';

export interface ShellDeps {
  runDir: string;
  log: EventLog;
  /** The run's abort (SIGINT, SIGTERM, run timeout): kills what is running. */
  signal: AbortSignal;
  /** The run's hardware inventory file, when it has one: FLEETLAB_INVENTORY. */
  inventoryPath?: string;
}

export const DEFAULT_SHELL_TIMEOUT_MS = 10 * 60_000;
/** Output lines per command that also go into the event log as shell.output. */
export const SHELL_OUTPUT_EVENTS = 1000;
const TAIL_LINES = 20;
const MAX_LINE = 500;
const KILL_GRACE_MS = 2000;

export function createShell(d: ShellDeps, o: ShellOptions = {}): ShellApi {
  let seq = 0;
  const make = (opts: ShellOptions): ShellApi => {
    const sh = (pieces: TemplateStringsArray, ...args: unknown[]) => runShell(d, opts, `sh-${++seq}`, pieces, args);
    return Object.assign(sh, { with: (more: ShellOptions) => make({ ...opts, ...more, env: { ...opts.env, ...more.env } }) });
  };
  return make(o);
}

/** Splits a stream's chunks into lines: the first SHELL_OUTPUT_EVENTS become events, the last TAIL_LINES are kept. */
class OutputLines {
  readonly tail: string[] = [];
  private events = 0;
  private partial = { stdout: '', stderr: '' };
  constructor(
    private readonly d: ShellDeps,
    private readonly id: string,
  ) {}

  add(stream: 'stdout' | 'stderr', chunk: string): void {
    const lines = (this.partial[stream] + chunk).split(/\r?\n/);
    this.partial[stream] = lines.pop()!;
    for (const l of lines) this.line(stream, l);
  }

  flush(): void {
    for (const s of ['stdout', 'stderr'] as const) if (this.partial[s]) this.line(s, this.partial[s]);
    this.partial = { stdout: '', stderr: '' };
  }

  private line(stream: 'stdout' | 'stderr', raw: string): void {
    const line = raw.length > MAX_LINE ? `${raw.slice(0, MAX_LINE)}…` : raw;
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    if (this.events < SHELL_OUTPUT_EVENTS) this.d.log.emit({ kind: 'shell.output', id: this.id, stream, line });
    else if (this.events === SHELL_OUTPUT_EVENTS) this.d.log.emit({ kind: 'shell.output', id: this.id, stream, line: `… more output in shell/${this.id}.log` });
    this.events++;
  }
}

async function runShell(d: ShellDeps, o: ShellOptions, id: string, pieces: TemplateStringsArray, args: unknown[]): Promise<ShellResult> {
  d.signal.throwIfAborted();
  const timeoutMs = o.timeoutMs ?? DEFAULT_SHELL_TIMEOUT_MS;
  const cwd = join(d.runDir, o.cwd ?? '.');
  const logFile = join(d.runDir, 'shell', `${id}.log`);
  mkdirSync(join(d.runDir, 'shell'), { recursive: true });
  const file = createWriteStream(logFile);
  const lines = new OutputLines(d, id);
  const env = { ...process.env, FLEETLAB_RUN_DIR: d.runDir, ...(d.inventoryPath ? { FLEETLAB_INVENTORY: d.inventoryPath } : {}), ...o.env };
  const log = (e: { kind: string; data?: Buffer }) => {
    if ((e.kind === 'stdout' || e.kind === 'stderr') && e.data) {
      file.write(e.data);
      lines.add(e.kind, e.data.toString('utf8'));
    }
  };
  const t0 = performance.now();
  // detached: the command leads its own process group, so one signal reaches all its children.
  const p = zx({ cwd, env, detached: true, nothrow: true, quiet: true, verbose: false, log: log as never })(pieces, ...(args as never[])) as ProcessPromise;
  d.log.emit({ kind: 'shell.start', id, cmd: p.cmd, cwd, timeoutMs });
  let killed: 'timeout' | 'abort' | undefined;
  const stop = (why: 'timeout' | 'abort') => {
    if (killed) return;
    killed = why;
    killGroup(p, 'SIGTERM');
    setTimeout(() => killGroup(p, 'SIGKILL'), KILL_GRACE_MS).unref();
  };
  const timer = setTimeout(() => stop('timeout'), timeoutMs);
  const onAbort = () => stop('abort');
  d.signal.addEventListener('abort', onAbort, { once: true });
  let out: ProcessOutput;
  try {
    out = await p;
  } finally {
    clearTimeout(timer);
    d.signal.removeEventListener('abort', onAbort);
    killGroup(p, 'SIGKILL'); // leftovers (background jobs) do not outlive the step
    lines.flush();
    await new Promise<void>((r) => file.end(r));
  }
  const ms = Math.round(performance.now() - t0);
  const exitCode = out.exitCode;
  const ok = exitCode === 0 && !killed;
  d.log.emit({ kind: 'shell.end', id, cmd: p.cmd, exitCode, signal: out.signal, ms, ok, ...(killed ? { killed } : {}), tail: lines.tail, logFile });
  const result: ShellResult = { exitCode, signal: out.signal, stdout: out.stdout, stderr: out.stderr, ms, logFile };
  if (killed === 'abort') d.signal.throwIfAborted();
  if (killed === 'timeout') throw new FleetlabError('SHELL_TIMEOUT', `sh: \`${p.cmd}\` ran past its ${timeoutMs} ms timeout and was killed with its children; output in ${logFile}`, { ...result });
  if (!ok && !o.nothrow) throw new FleetlabError('SHELL_EXIT', `sh: \`${p.cmd}\` ${exitCode === null ? `was killed by ${out.signal}` : `exited ${exitCode}`}${lines.tail.length ? `: ${lines.tail[lines.tail.length - 1]}` : ''}; output in ${logFile}`, { ...result });
  return result;
}

/** Signals the command's process group (it is the group leader: detached). Gone already is fine. */
function killGroup(p: ProcessPromise, sig: NodeJS.Signals): void {
  const pid = p.pid;
  if (pid === undefined) return;
  try {
    process.kill(-pid, sig);
  } catch {
    // ESRCH: the group has no process left
  }
}
