/**
 * What every real DHCP server fleetlab launches needs before it starts: the machine-wide port-67
 * lock (one server on :67 at a time), a work directory (the run's, or a temporary one) and the
 * cleanup that undoes both after the daemon stopped.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquirePortLock } from './port-lock.ts';

export interface DhcpDaemonWorkspace {
  listen: string;
  port: number;
  dir: string;
  /** Release the port lock and remove a temporary directory (kept with `keepDir`). */
  cleanup(): Promise<void>;
}

export async function dhcpDaemonWorkspace(
  kind: string,
  o: { listenAddress?: string; port?: number; dir?: string; keepDir?: boolean; signal?: AbortSignal },
): Promise<DhcpDaemonWorkspace> {
  const listen = o.listenAddress ?? '127.0.0.1';
  const port = o.port ?? 67;
  const lock = port === 67 ? await acquirePortLock('67', { ...(o.signal ? { signal: o.signal } : {}) }) : null;
  const ownDir = !o.dir;
  const dir = o.dir ?? (await mkdtemp(join(tmpdir(), `fleetlab-${kind}-`)));
  return {
    listen,
    port,
    dir,
    async cleanup() {
      lock?.release();
      if (ownDir && !o.keepDir) await rm(dir, { recursive: true, force: true });
    },
  };
}
