/**
 * A machine-wide lock for a well-known port (DHCP 67, TFTP 69) that a fleetlab-started server
 * binds on loopback. Two such servers at once would both bind 0.0.0.0:67 with SO_REUSEADDR and
 * steal each other's packets, so concurrent runs (tests in parallel) take turns instead.
 *
 *   open(<tmp>/fleetlab-port-<name>.lock, O_EXCL) ─ ok ─▶ held (pid inside)
 *        └─ exists ─▶ holder pid dead? remove, retry : wait and retry (until timeout/abort)
 */
import { openSync, writeSync, closeSync, readFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FleetlabError } from '../../lab/errors.ts';

export interface PortLock {
  readonly path: string;
  release(): void;
}

const held = new Set<string>();
let hooked = false;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquirePortLock(name: string, o: { timeoutMs?: number; signal?: AbortSignal; pollMs?: number } = {}): Promise<PortLock> {
  const path = join(tmpdir(), `fleetlab-port-${name}.lock`);
  const deadline = Date.now() + (o.timeoutMs ?? 600_000);
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const p of held) {
        try {
          unlinkSync(p);
        } catch {
          /* gone */
        }
      }
    });
  }
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      held.add(path);
      let released = false;
      return {
        path,
        release() {
          if (released) return;
          released = true;
          held.delete(path);
          try {
            unlinkSync(path);
          } catch {
            /* already gone */
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = NaN;
    try {
      holder = Number(readFileSync(path, 'utf8').trim());
    } catch {
      continue; // removed meanwhile
    }
    if (Number.isInteger(holder) && holder > 0 && !alive(holder)) {
      try {
        unlinkSync(path); // stale lock of a killed run
      } catch {
        /* someone else cleaned it */
      }
      continue;
    }
    if (o.signal?.aborted) throw new FleetlabError('TARGET_START', `waiting for ${path} (held by pid ${holder}): aborted`);
    if (Date.now() > deadline) throw new FleetlabError('TARGET_START', `port ${name} is held by another fleetlab run (pid ${holder}, lock ${path})`);
    await new Promise((r) => setTimeout(r, o.pollMs ?? 200));
  }
}
