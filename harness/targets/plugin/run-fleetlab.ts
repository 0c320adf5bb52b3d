/**
 * For a target author's own tests: run the real fleetlab CLI in a child process (as CI would)
 * and get its exit code and output, plus the paths of the scenarios fleetlab ships, so a test
 * can say "the shipped provision scenario passes against my target".
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../bin/fleetlab.js', import.meta.url));

/** Absolute path of a shipped scenario (`provision`, `rollout`, …: scenarios/<name>.ts). */
export function shippedScenario(name: string): string {
  return fileURLToPath(new URL(`../../../scenarios/${name}.ts`, import.meta.url));
}

export interface FleetlabResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `fleetlab <args>` in `cwd` (default: this process's); killed after `timeoutMs` (default 5 min). */
export function runFleetlab(args: string[], o: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<FleetlabResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: o.cwd ?? process.cwd(), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...o.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 300_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
