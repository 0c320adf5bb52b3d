/**
 * Kernel-side datagram drops of the UDP sockets bound to one local port, read from the `drops`
 * column of /proc/net/udp and /proc/net/udp6 (per socket: receive buffer full, checksum errors).
 * Tests that fire datagrams at a server count what the kernel dropped instead of assuming a
 * loaded host delivers everything.
 */
import { readFileSync } from 'node:fs';

export function udpSocketDrops(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let drops = 0;
  for (const f of ['/proc/net/udp', '/proc/net/udp6']) {
    let text = '';
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue; // no IPv6 in this kernel
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 13 || cols[1]!.split(':')[1] !== hexPort) continue;
      drops += Number(cols[12]);
    }
  }
  return drops;
}
