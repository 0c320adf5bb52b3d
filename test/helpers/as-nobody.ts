/**
 * Run a command as an unprivileged user (nobody, 65534, no groups, no capabilities) from a root
 * test: what a non-root user of fleetlab sees. HOME and TMPDIR point at a world-writable scratch
 * dir (tsx caches compiled files under TMPDIR; nobody cannot write root's).
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './cli.ts';

export interface NobodyResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The scratch dir (world-writable): put --out dirs below it. */
  scratch: string;
}

/** A world-writable scratch dir for a run as nobody. */
export function nobodyScratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fl-nobody-'));
  chmodSync(dir, 0o1777);
  return dir;
}

export function asNobody(cmd: string[], o: { scratch?: string; timeoutMs?: number } = {}): Promise<NobodyResult> {
  const scratch = o.scratch ?? nobodyScratch();
  // `env -i`: a clean environment (tap's process tracking adds NODE_OPTIONS to every child).
  const env = [`PATH=${process.env.PATH ?? '/usr/bin:/bin'}`, `HOME=${scratch}`, `TMPDIR=${scratch}`, 'LANG=C.UTF-8'];
  return new Promise((resolve) => {
    execFile('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', 'env', '-i', ...env, ...cmd], { cwd: ROOT, timeout: o.timeoutMs ?? 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr), scratch });
    });
  });
}
