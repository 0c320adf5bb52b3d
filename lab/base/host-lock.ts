/**
 * A machine-wide lock between fleetlab processes: a well-known port a fleetlab-started server
 * binds (DHCP 67: two servers would both bind 0.0.0.0:67 and steal each other's packets), or a
 * qemu site's host-side addresses (routes to 10.213.i.0/24 exist once per machine). Concurrent
 * runs (tests in parallel) take turns instead of colliding.
 *
 *   open(<tmp>/fleetlab-<name>.lock, O_EXCL) ─ ok ─▶ held (pid inside)
 *        └─ exists ─▶ holder pid dead? remove, retry : wait and retry (until timeout/abort)
 */
import { openSync, writeSync, closeSync, readFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FleetlabError } from './errors.ts';

export interface HostLock {
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

export interface HostLockOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  pollMs?: number;
  /** Error code when waiting fails (default TARGET_START). */
  code?: 'TARGET_START' | 'NETNS';
  /** What the lock protects, for the timeout message ("port 67", "qemu site 0"). */
  what?: string;
}

/** Take `<tmp>/fleetlab-<name>.lock`, waiting while a live process holds it. */
export async function acquireHostLock(name: string, o: HostLockOptions = {}): Promise<HostLock> {
  const path = join(tmpdir(), `fleetlab-${name}.lock`);
  const code = o.code ?? 'TARGET_START';
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
    if (o.signal?.aborted) throw new FleetlabError(code, `waiting for ${path} (held by pid ${holder}): aborted`);
    if (Date.now() > deadline) throw new FleetlabError(code, `${o.what ?? name} is held by another fleetlab run (pid ${holder}, lock ${path})`);
    await new Promise((r) => setTimeout(r, o.pollMs ?? 200));
  }
}
