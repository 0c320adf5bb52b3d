/**
 * UDP datagrams the kernel dropped, so a run can tell its user "the host lost packets" instead of
 * letting a harness overload pass for a server bug. Two views, both from /proc (Linux):
 *
 *   /proc/net/snmp  Udp: … InErrors … RcvbufErrors SndbufErrors   host-wide counters
 *   /proc/net/udp   one row per socket, last column `drops`        joined with /proc/self/fd
 *                                                                  (socket:[inode]) = this process's
 *
 * A run samples both at start and end and reports the difference: host-wide counters include
 * other processes (a test suite running beside it), the per-socket drops are fleetlab's own
 * sockets only (relays, the in-process DHCP/TFTP servers, BMCs). Where /proc is missing both are
 * `null`, never a made-up zero.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface UdpDropCounters {
  /** Host-wide Udp InErrors, RcvbufErrors, SndbufErrors; null where /proc/net/snmp is absent. */
  host: { inErrors: number; rcvbufErrors: number; sndbufErrors: number } | null;
  /** Sum of `drops` over this process's UDP sockets (IPv4 + IPv6); null where unreadable. */
  ownSocketDrops: number | null;
}

function readHost(): UdpDropCounters['host'] {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
    const [names, values] = [lines[0]!.split(/\s+/).slice(1), lines[1]!.split(/\s+/).slice(1).map(Number)];
    const get = (n: string) => values[names.indexOf(n)] ?? 0;
    return { inErrors: get('InErrors'), rcvbufErrors: get('RcvbufErrors'), sndbufErrors: get('SndbufErrors') };
  } catch {
    return null;
  }
}

function ownSocketInodes(): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // the fd closed while we listed it
    }
  }
  return inodes;
}

export interface UdpSocketRow {
  localPort: number;
  inode: string;
  drops: number;
}

/** Every UDP socket on the host (IPv4 and IPv6) with its local port, inode and kernel drop count. */
export function udpSocketRows(): UdpSocketRow[] {
  const rows: UdpSocketRow[] = [];
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue; // no IPv6
    }
    for (const row of text.split('\n').slice(1)) {
      // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
      const cols = row.trim().split(/\s+/);
      if (cols.length < 13) continue;
      rows.push({ localPort: parseInt(cols[1]!.split(':')[1]!, 16), inode: cols[9]!, drops: Number(cols[12]) || 0 });
    }
  }
  return rows;
}

function readOwnDrops(): number | null {
  try {
    const mine = ownSocketInodes();
    return udpSocketRows().reduce((n, r) => (mine.has(r.inode) ? n + r.drops : n), 0);
  } catch {
    return null;
  }
}

export function readUdpDrops(): UdpDropCounters {
  return { host: readHost(), ownSocketDrops: readOwnDrops() };
}

/**
 * Drops between two samples. Per-socket drops live only as long as the socket, so the end sample
 * must be taken before the sockets close; a socket that closed in between takes its drops along
 * (the host counter still has them).
 */
export function udpDropsSince(start: UdpDropCounters, end: UdpDropCounters = readUdpDrops()): UdpDropCounters {
  const host =
    start.host && end.host
      ? { inErrors: end.host.inErrors - start.host.inErrors, rcvbufErrors: end.host.rcvbufErrors - start.host.rcvbufErrors, sndbufErrors: end.host.sndbufErrors - start.host.sndbufErrors }
      : null;
  const ownSocketDrops = start.ownSocketDrops !== null && end.ownSocketDrops !== null ? Math.max(0, end.ownSocketDrops - start.ownSocketDrops) : end.ownSocketDrops;
  return { host, ownSocketDrops };
}
