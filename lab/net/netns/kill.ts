/**
 * Stopping a child the qemu tier started (qemu, dnsmasq, socat): SIGTERM, wait, SIGKILL after a
 * grace period. Works for a ChildProcess (waits for its exit event) or a bare PID (polls).
 */
import type { ChildProcess } from 'node:child_process';

/** Kill a process and wait (≤ ms) for it to exit; SIGKILL after the grace period. */
export async function killAndWait(child: ChildProcess | number, graceMs = 2000): Promise<void> {
  const pid = typeof child === 'number' ? child : child.pid;
  if (!pid) return;
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (typeof child !== 'number' && child.exitCode !== null) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const exited = typeof child === 'number' ? null : new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (exited) {
      const done = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 50))]);
      if (done) return;
    } else {
      if (!alive()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  if (exited) await Promise.race([exited, new Promise((r) => setTimeout(r, 1000))]);
}
