/**
 * Kernel-side datagram drops of the UDP sockets bound to one local port (the `drops` column of
 * /proc/net/udp{,6}, read by lab/base/udp-drops.ts). Tests that fire datagrams at a server count
 * what the kernel dropped instead of assuming a loaded host delivers everything.
 */
import { udpSocketRows } from '../../lab/base/udp-drops.ts';

export function udpSocketDrops(port: number): number {
  return udpSocketRows().reduce((n, r) => (r.localPort === port ? n + r.drops : n), 0);
}
