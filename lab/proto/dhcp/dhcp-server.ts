/**
 * The reference target's DHCP server: relay-aware, PXE-aware, one UDP socket.
 *
 *   relay (giaddr, opt 82 [+ RFC 8357 sub 19]) ──▶ :port ──decode──▶ subnet by giaddr ──▶ lease
 *                                                                              │
 *   reply ◀── giaddr:67 (or the relay's source port when sub-option 19 is present) ◀── class:
 *             or source addr:port for direct loopback requests (giaddr 0)          PXEClient / iPXE / HTTPClient
 *
 * Lease model (dhcp-lease-pool.ts): one lease per MAC (stable: the same MAC gets the same address
 * back while it has not been reclaimed), addresses taken from a cursor over the pool and, once the
 * cursor reaches the end, by reclaiming released/expired/declined-and-expired entries. What each
 * message gets back is dhcp-responder.ts; this file owns the socket and the lifecycle.
 *
 * Boot classes (see shared notes pxe.md):
 * - PXEClient (option 60 prefix): siaddr = next-server, file = the ROM's boot file, option 43
 *   with sub-option 6 = 0x08 (PXE_DISCOVERY_CONTROL: no boot-server discovery, use `file`), and
 *   60 'PXEClient' echoed.
 * - iPXE (user class 77): file = the http script URL the callback returns (breaks the chain loop).
 * - HTTPClient (UEFI HTTP boot): 60 'HTTPClient' echoed and file = a full http URL.
 *
 * Malformed packets are reported as events and dropped; nothing a client sends can throw out
 * of the socket handler.
 */
import dgram from 'node:dgram';
import { decodeDhcp, type DhcpPacket } from './dhcp-packet.ts';
import { cfgIp, DhcpLeasePool } from './dhcp-lease-pool.ts';
import type { DhcpServer, DhcpServerOptions } from './dhcp-server-types.ts';

export type * from './dhcp-server-types.ts';
import { DhcpResponder } from './dhcp-responder.ts';


const ZERO = '0.0.0.0';

/** Bad config throws a TARGET_START FleetlabError naming the field; a bind failure rejects. */
export async function startDhcpServer(opts: DhcpServerOptions): Promise<DhcpServer> {
  const emit = opts.onEvent;
  const serverId = opts.host !== ZERO ? opts.host : opts.nextServer;
  cfgIp(opts.host, 'host');
  cfgIp(opts.nextServer, 'nextServer');
  const pool = new DhcpLeasePool(opts.subnets);

  // A boot storm arrives in bursts: a large receive buffer (capped by net.core.rmem_max) keeps
  // the kernel from dropping requests while the event loop is busy.
  const sock = dgram.createSocket({ type: 'udp4', reuseAddr: false, recvBufferSize: 4 << 20, sendBufferSize: 1 << 20 });
  sock.on('error', (e) => emit?.({ type: 'send-error', error: e.message, to: `${opts.host}:${opts.port}` }));
  const send = (buf: Buffer, host: string, port: number): void => {
    sock.send(buf, port, host, (err) => {
      if (err) emit?.({ type: 'send-error', error: err.message, to: `${host}:${port}` });
    });
  };
  const responder = new DhcpResponder(opts, serverId, pool, send);

  sock.on('message', (msg, rinfo) => {
    let q: DhcpPacket;
    try {
      q = decodeDhcp(msg);
    } catch (e) {
      emit?.({ type: 'malformed', error: (e as Error).message, from: `${rinfo.address}:${rinfo.port}` });
      return;
    }
    try {
      responder.handle(q, rinfo.address, rinfo.port);
    } catch (e) {
      // e.g. a throwing bootFile callback or a boot file name encode refuses: report and drop,
      // never crash the server.
      emit?.({ type: 'error', error: (e as Error).message, mac: q.chaddr, from: `${rinfo.address}:${rinfo.port}` });
    }
  });

  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(opts.port, opts.host, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  const a = sock.address();
  let closed = false;
  return {
    address: { host: a.address, port: a.port },
    leases: () => pool.leases(Date.now()),
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise<void>((resolve) => sock.close(() => resolve()));
    },
  };
}
