/**
 * Serial-over-LAN console through `ipmitool sol activate`: the node's serial output as a stream
 * (the hardware tier reads the same phase markers from it as from a qemu serial port), input
 * written to the console, and a close that deactivates the payload and stops the process.
 *
 *   ipmitool … sol activate ─▶ stdout ─▶ output (Readable)     write() ─▶ stdin
 *   close(): "~." escape ─▶ 2 s ─▶ SIGTERM ─▶ 5 s ─▶ SIGKILL; then `sol deactivate` (frees the BMC's single SOL slot)
 *   exit ≠ 0 before close() ─▶ done rejects with the classified error (e.g. BMC_CLIENT_UNSUPPORTED)
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { FleetlabError } from '../../base/errors.ts';
import { classifyIpmiFailure, failureSummary } from './ipmi-tool-errors.ts';
import type { IpmitoolClient } from './ipmitool-client.ts';
import { ipmitoolInvocation } from './ipmitool-client.ts';
import { trackChild } from './tool-process.ts';

export interface SolConsole {
  output: Readable;
  write(data: string | Buffer): void;
  /** Settles when the console ends: resolves after close(), rejects when the BMC ended it. */
  done: Promise<void>;
  close(): Promise<void>;
}

export function solActivate(client: IpmitoolClient, tool = 'ipmitool'): SolConsole {
  const t = client.target;
  const { args, env } = ipmitoolInvocation(t);
  const child = spawn(tool, [...args, 'sol', 'activate'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  trackChild(child);
  if (child.pid !== undefined) t.onSpawn?.(child.pid);
  let stderr = '';
  // ipmitool announces an established payload; only then is there a BMC-side slot to free.
  let operational = false;
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 65536) stderr += d;
    if (!operational && /SOL Session operational/i.test(stderr)) operational = true;
  });
  let closing = false;
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (e) => reject(new FleetlabError('BMC_CLIENT_TOOL', `${tool} sol activate could not be started: ${e.message}`)));
    child.once('close', (code) => {
      if (closing || code === 0) return resolve();
      reject(new FleetlabError(classifyIpmiFailure(stderr), `ipmitool sol activate on ${t.host}:${t.port ?? 623}: ${failureSummary(stderr) || `exit ${code}`}`, { host: t.host, exit: code }));
    });
  });
  // Nobody may be listening to `done` until close(); the rejection is still delivered to whoever awaits it.
  done.catch(() => undefined);

  return {
    output: child.stdout,
    write: (data) => {
      if (!child.stdin.destroyed) child.stdin.write(data);
    },
    done,
    async close() {
      if (closing) return;
      closing = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin.write('~.');
        const exited = new Promise<void>((r) => child.once('close', () => r()));
        const term = setTimeout(() => child.kill('SIGTERM'), 2000);
        const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(term);
        clearTimeout(kill);
        // Free the BMC's SOL payload even if the escape did not reach it.
        if (operational) await client.solDeactivate().catch(() => undefined);
      }
      await done.catch(() => undefined);
    },
  };
}
