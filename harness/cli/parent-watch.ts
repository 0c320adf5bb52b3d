/**
 * Teardown when whoever started fleetlab is gone. `timeout 600 npx fleetlab run …` signals the
 * npx pid only; the tree is npm → sh -c → node, and neither npm nor the shell passes SIGTERM on,
 * so fleetlab would run on with its ports bound. Node has no prctl(PR_SET_PDEATHSIG) and an IPC
 * channel exists only when the parent is node and asks for one, so the launcher chain is polled:
 *
 *   at start: chain = [parent, and through `sh -c` / npm / npx wrappers up to the first real
 *             launcher]; each entry is (pid, kernel start time)
 *   every POLL_MS: an entry gone (or its pid recycled), or process.ppid changed ─▶ onGone()
 *
 * onGone is what SIGTERM does (abort → async teardown → exit 143). FLEETLAB_DETACHED=1 turns the
 * watch off for runs meant to outlive their shell (`nohup`, a service manager's double fork).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const POLL_MS = 500;
const WRAPPERS = new Set(['sh', 'dash', 'bash', 'zsh', 'env']);

interface Proc {
  pid: number;
  start: string | null;
}

function stat(pid: number): { ppid: number; start: string } | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
    return { ppid: Number(f[1]), start: f[19]! };
  } catch {
    return null;
  }
}

function argv(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** A process that only relays to its child: `sh -c …`, `env …`, npm/npx (`npm exec`, npx-cli.js). */
export function isWrapper(args: string[]): boolean {
  const cmd = basename(args[0] ?? '');
  if (WRAPPERS.has(cmd)) return cmd === 'env' || args[1] === '-c';
  const script = args.slice(0, 3).map((a) => basename(a));
  return cmd === 'npm' || cmd === 'npx' || script.some((a) => /^(npm|npx)(-cli\.js)?$/.test(a));
}

/** The parent, plus the wrappers above it up to and including the first non-wrapper. */
export function launcherChain(from = process.ppid): Proc[] {
  const chain: Proc[] = [];
  for (let pid = from; pid > 1 && chain.length < 8; ) {
    const s = stat(pid);
    if (!s) break;
    chain.push({ pid, start: s.start });
    if (!isWrapper(argv(pid))) break;
    pid = s.ppid;
  }
  return chain;
}

/** Call onGone (once) when the launcher chain breaks; returns the stop function. */
export function watchParents(onGone: () => void, pollMs = POLL_MS): () => void {
  if (process.env.FLEETLAB_DETACHED === '1' || process.platform !== 'linux') return () => {};
  const ppid = process.ppid;
  const chain = launcherChain(ppid);
  const timer = setInterval(() => {
    const broken = process.ppid !== ppid || chain.some((p) => stat(p.pid)?.start !== p.start);
    if (!broken) return;
    clearInterval(timer);
    onGone();
  }, pollMs);
  timer.unref(); // never what keeps fleetlab alive
  return () => clearInterval(timer);
}
