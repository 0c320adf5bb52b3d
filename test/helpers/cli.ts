/** Runs the real fleetlab CLI (bin/fleetlab.js) as a child process and collects its output. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = resolve(ROOT, 'bin/fleetlab.js');
/** Import path for inline scenario files written outside the repository. */
export const API = resolve(ROOT, 'harness/index.ts');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  timeoutMs?: number;
  onSpawn?: (c: ChildProcess) => void;
  env?: NodeJS.ProcessEnv;
  /** Working directory (default: the repository). */
  cwd?: string;
  /** A command that runs node, e.g. ['setpriv', '--reuid=65534', …] to run fleetlab as another user. */
  wrapper?: string[];
}

export function fleetlab(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const [cmd, ...pre] = [...(opts.wrapper ?? []), process.execPath, BIN];
    const child = spawn(cmd!, [...pre, ...args], { cwd: opts.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fleetlab ${args.join(' ')} did not exit within ${opts.timeoutMs ?? 120_000} ms\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
    opts.onSpawn?.(child);
  });
}
