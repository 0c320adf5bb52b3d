/**
 * Thin wrappers around the host tools the qemu tier drives (ip, tc, nft, sysctl files). Every
 * failure names the command line and the tool's stderr; nothing here retries or guesses.
 * `inNs(ns, …)` runs a tool inside a network namespace via `ip netns exec` (which execs, so a
 * spawned long-running child's PID is the tool's own — see qemu/dnsmasq spawning).
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { FleetlabError } from '../../base/errors.ts';

const run = promisify(execFile);

export interface ShResult {
  stdout: string;
  stderr: string;
}

/** Run `cmd args`; rejects with FLEETLAB_ERR_NETNS naming the command and stderr. */
export async function sh(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<ShResult> {
  try {
    const p = run(cmd, args, { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 });
    if (opts.input !== undefined) p.child.stdin?.end(opts.input);
    const { stdout, stderr } = await p;
    return { stdout, stderr };
  } catch (e) {
    const err = e as Error & { stderr?: string; code?: number | string };
    throw new FleetlabError('NETNS', `${cmd} ${args.join(' ')}: ${(err.stderr ?? '').trim() || err.message}`, { cmd, args });
  }
}

/** Like sh() but never rejects: for teardown and probes. Returns null on failure. */
export async function trySh(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<ShResult | null> {
  try {
    return await sh(cmd, args, opts);
  } catch {
    return null;
  }
}

/** Synchronous best-effort variant for process-exit guards (no event loop left). */
export function shSyncQuiet(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

export const inNs = (ns: string, cmd: string, args: string[], opts?: { input?: string; timeoutMs?: number }) => sh('ip', ['netns', 'exec', ns, cmd, ...args], opts);
export const tryInNs = (ns: string, cmd: string, args: string[], opts?: { input?: string; timeoutMs?: number }) => trySh('ip', ['netns', 'exec', ns, cmd, ...args], opts);
