/** Test helpers (not a test): capture a command's output in-process, or run the real CLI binary. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import type { CliIo } from '../../../harness/cli/command.ts';

const bin = fileURLToPath(new URL('../../../bin/fleetlab.js', import.meta.url));

export function captureIo(): { io: CliIo; out: () => string; err: () => string } {
  const o = new PassThrough();
  const e = new PassThrough();
  let out = '';
  let err = '';
  o.on('data', (c: Buffer) => (out += c.toString()));
  e.on('data', (c: Buffer) => (err += c.toString()));
  return { io: { stdout: o, stderr: e, signal: new AbortController().signal, abortReason: () => undefined }, out: () => out, err: () => err };
}

export function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

