/**
 * A machine-wide lock between fleetlab processes: a well-known port a fleetlab-started server
 * binds (DHCP 67: two servers would both bind 0.0.0.0:67 and steal each other's packets), or a
 * qemu site's host-side addresses (routes to 10.213.i.0/24 exist once per machine). Concurrent
 * runs (tests in parallel) take turns instead of colliding.
 *
 *   open(<lock dir>/<name>.lock, O_EXCL) ─ ok ─▶ held (pid inside)
 *        └─ exists ─▶ holder pid dead? remove, retry : wait and retry (until timeout/abort)
 *
 * The lock dir is host-wide, never under $TMPDIR (two runs with different TMPDIRs must still
 * see each other's locks): /run/lock/fleetlab, or /var/tmp/fleetlab-lock where /run/lock does
 * not exist. It is sticky and world-writable like /run/lock itself, so runs as different users
 * share it. FLEETLAB_LOCK_DIR overrides it (a test's private lock world).
 */
import { openSync, writeSync, closeSync, readFileSync, unlinkSync, mkdirSync, chmodSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FleetlabError } from './errors.ts';

/** The host-wide directory for fleetlab's locks and run-owner records (created on first use). */
export function hostLockDir(): string {
  const dir = process.env.FLEETLAB_LOCK_DIR || (existsSync('/run/lock') ? '/run/lock/fleetlab' : '/var/tmp/fleetlab-lock');
  try {
    mkdirSync(dir, { recursive: true });
    // mkdir's mode is cut by the umask; only the creator (owner) may chmod, others just use it.
    if (statSync(dir).uid === process.getuid?.()) chmodSync(dir, 0o1777);
  } catch (e) {
    throw new FleetlabError('TARGET_START', `lock directory ${dir}: ${(e as Error).message}`);
  }
  return dir;
}

export interface HostLock {
  readonly path: string;
  release(): void;
}

const held = new Set<string>();
let hooked = false;

/** Whether a process with this pid exists (EPERM: it does, owned by another user). */
export function pidAlive(pid: number): boolean {
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

/** Take `<lock dir>/<name>.lock`, waiting while a live process holds it. */
export async function acquireHostLock(name: string, o: HostLockOptions = {}): Promise<HostLock> {
  const path = join(hostLockDir(), `${name}.lock`);
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
    if (Number.isInteger(holder) && holder > 0 && !pidAlive(holder)) {
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
