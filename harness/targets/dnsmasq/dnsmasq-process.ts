/**
 * Starts dnsmasq (Debian dnsmasq-base) as a DHCP + TFTP server for relayed lab subnets, on
 * loopback, with its lease file and TFTP root in a run directory.
 *
 *   lock port 67 ─▶ mkdtemp: dnsmasq.conf, tftp/<boot files>, dnsmasq.leases
 *   ─▶ dnsmasq --keep-in-foreground --conf-file=… ─▶ "started" in its log ─▶ serving
 *   stop(): SIGTERM ─▶ exit ─▶ unlock ─▶ rm run dir (unless keepDir)
 *
 * dnsmasq's DHCP socket is 0.0.0.0:67 whatever listen-address says, and replies to relays go to
 * giaddr:<server port>; hence root, one dnsmasq per machine at a time (port lock), and relays
 * on 127.x.y.1:67. `port` ≠ 67 uses --dhcp-alternate-port (relays then listen on that port).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dnsmasqConf } from './dnsmasq-config.ts';
import type { PxeBootPlan } from '../dhcp-daemon/pxe-subnet.ts';
import { startDaemon } from '../common/daemon.ts';
import { launchDhcpDaemon, type DhcpDaemonProcess } from '../dhcp-daemon/dhcp-daemon-workspace.ts';
import { parseDnsmasqLeases } from '../dhcp-daemon/dhcp-lease.ts';

export interface DnsmasqOptions extends Omit<PxeBootPlan, 'tftpServer'> {
  /** Loopback address for TFTP (and the server id); default 127.0.0.1. */
  listenAddress?: string;
  /** DHCP server port; default 67 (root). */
  port?: number;
  /** Files served over TFTP (boot loaders), by name. */
  tftpFiles?: Record<string, Buffer>;
  dir?: string;
  keepDir?: boolean;
  logDhcp?: boolean;
  binary?: string;
  signal?: AbortSignal;
}

export interface DnsmasqProcess extends DhcpDaemonProcess {
  readonly tftp: { host: string; port: number };
}

export async function startDnsmasq(o: DnsmasqOptions): Promise<DnsmasqProcess> {
  const p = await launchDhcpDaemon('dnsmasq', o, async ({ listen, port, dir }) => {
    const tftpRoot = join(dir, 'tftp');
    await mkdir(tftpRoot, { recursive: true });
    for (const [name, data] of Object.entries(o.tftpFiles ?? {})) await writeFile(join(tftpRoot, name.replace(/^\/+/, '')), data);
    const confFile = join(dir, 'dnsmasq.conf');
    const leaseFile = join(dir, 'dnsmasq.leases');
    await writeFile(leaseFile, '');
    await writeFile(
      confFile,
      dnsmasqConf({
        ...o,
        tftpServer: listen,
        listenAddress: listen,
        leaseFile,
        pidFile: join(dir, 'dnsmasq.pid'),
        tftpRoot,
        logDhcp: o.logDhcp ?? false,
      }),
    );
    const args = ['--keep-in-foreground', `--conf-file=${confFile}`, '--user=root', '--group=root'];
    if (port !== 67) args.push(`--dhcp-alternate-port=${port},${port + 1}`);
    const daemon = await startDaemon({
      name: 'dnsmasq',
      cmd: o.binary ?? '/usr/sbin/dnsmasq',
      args,
      ready: /TFTP root is|started, version/,
      fatal: /dnsmasq: (failed|bad|cannot|unknown|error)/i,
    });
    return { confFile, leaseFile, daemon, parseLeases: parseDnsmasqLeases };
  });
  return { ...p, tftp: { host: p.dhcp.host, port: 69 } };
}
