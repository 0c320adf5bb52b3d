/**
 * Starts Kea DHCPv4 (Debian kea-dhcp4-server) for relayed lab subnets on loopback, with its
 * config, lease file (memfile CSV), PID and lock files in a run directory.
 *
 *   lock port 67 ─▶ mkdtemp: kea-dhcp4.conf, kea-leases4.csv ─▶ kea-dhcp4 -c … [-p port]
 *   ─▶ DHCP4_STARTED in its log ─▶ serving ; stop(): SIGTERM ─▶ exit ─▶ unlock ─▶ rm run dir
 *
 * Kea answers a relay at giaddr:67, or at the RFC 8357 relay source port when the relay sends
 * option 82 sub-option 19 — so a lab whose relays use ephemeral ports works with Kea too.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { keaConfig } from './kea-config.ts';
import type { PxeBootPlan } from '../dhcp-daemon/pxe-subnet.ts';
import { startDaemon, type Daemon, type DaemonOptions } from '../common/daemon.ts';
import { launchDhcpDaemon, type DhcpDaemonProcess } from '../dhcp-daemon/dhcp-daemon-workspace.ts';
import { parseKeaLeases } from '../dhcp-daemon/dhcp-lease.ts';

export interface KeaOptions extends PxeBootPlan {
  /** Loopback address Kea binds on `lo`; default 127.0.0.1. */
  listenAddress?: string;
  /** DHCP server port; default 67 (root). */
  port?: number;
  dir?: string;
  keepDir?: boolean;
  logSeverity?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  binary?: string;
  signal?: AbortSignal;
  /** Starts the daemon (default: a host process; the container target runs it in an image). */
  launch?: (o: DaemonOptions) => Promise<Daemon>;
}

export type KeaProcess = DhcpDaemonProcess;

export function startKea(o: KeaOptions): Promise<KeaProcess> {
  return launchDhcpDaemon('kea', o, async ({ listen, port, dir }) => {
    const confFile = join(dir, 'kea-dhcp4.conf');
    const leaseFile = join(dir, 'kea-leases4.csv');
    await writeFile(confFile, JSON.stringify(keaConfig({ ...o, interface: `lo/${listen}`, leaseFile, logSeverity: o.logSeverity ?? 'INFO' }), null, 2));
    const args = ['-c', confFile];
    if (port !== 67) args.push('-p', String(port));
    const daemon = await (o.launch ?? startDaemon)({
      name: 'kea-dhcp4',
      cmd: o.binary ?? '/usr/sbin/kea-dhcp4',
      args,
      // PID/lock files default to /run/kea: keep them in the run dir (parallel runs, no root dirs).
      env: { KEA_PIDFILE_DIR: dir, KEA_LOCKFILE_DIR: dir, KEA_LOGGER_DESTINATION: 'stderr' },
      ready: /DHCP4_STARTED/,
      fatal: /DHCP4_INIT_FAIL|DHCP4_CONFIG_LOAD_FAIL|DHCP4_OPEN_SOCKET_FAIL|DHCPSRV_OPEN_SOCKET_FAIL|DHCP4_PARSER_FAIL|DHCP4_SRV_CONSTRUCT_ERROR/,
    });
    return { confFile, leaseFile, daemon, parseLeases: parseKeaLeases };
  });
}
