/**
 * What every real DHCP server fleetlab launches needs around its own config: the machine-wide
 * port-67 lock (one server on :67 at a time), a work directory (the run's, or a temporary one),
 * the cleanup that undoes both after the daemon stopped, and the handle callers use (lease file
 * as the record, idempotent stop).
 *
 *   launchDhcpDaemon: workspace ─▶ start(ws) (config + daemon; server-specific) ─▶ handle
 *                     start fails ─▶ cleanup ─▶ rethrow
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquirePortLock } from '../common/port-lock.ts';
import type { Daemon } from '../common/daemon.ts';
import type { DhcpLease } from './dhcp-lease.ts';

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

/** A running DHCP daemon as every target and test uses it. */
export interface DhcpDaemonProcess {
  readonly dir: string;
  readonly confFile: string;
  readonly leaseFile: string;
  readonly dhcp: { host: string; port: number };
  readonly daemon: Daemon;
  leases(): Promise<DhcpLease[]>;
  stop(): Promise<void>;
}

export interface StartedDhcpDaemon {
  confFile: string;
  leaseFile: string;
  daemon: Daemon;
  /** The server's lease file format → leases. */
  parseLeases(text: string): DhcpLease[];
}

export async function launchDhcpDaemon(
  kind: string,
  o: Parameters<typeof dhcpDaemonWorkspace>[1],
  start: (ws: DhcpDaemonWorkspace) => Promise<StartedDhcpDaemon>,
): Promise<DhcpDaemonProcess> {
  const ws = await dhcpDaemonWorkspace(kind, o);
  try {
    const s = await start(ws);
    let stopping: Promise<void> | undefined;
    return {
      dir: ws.dir,
      confFile: s.confFile,
      leaseFile: s.leaseFile,
      dhcp: { host: ws.listen, port: ws.port },
      daemon: s.daemon,
      leases: async () => s.parseLeases(await readFile(s.leaseFile, 'utf8').catch(() => '')),
      stop() {
        stopping ??= s.daemon.stop().then(() => ws.cleanup());
        return stopping;
      },
    };
  } catch (e) {
    await ws.cleanup();
    throw e;
  }
}
