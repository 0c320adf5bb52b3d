/**
 * DHCP relays of the sim tier: each site's gateway relays its nodes' DHCP to the server under
 * test, as a real edge router does (giaddr = the site's relay address, hops + 1, option 82).
 *
 *   sim node ──(site link up)──▶ relay 127.A.B.1 ──UDP──▶ DHCP server (giaddr picks the pool)
 *   sim node ◀─(site link down)── relay socket ◀──UDP── reply to giaddr:port
 *
 * Sockets: one per site relay address (`perSite`), or — for fleets beyond the fd budget — a
 * pool of wildcard sockets, each on its own ephemeral port, sites spread over them round-robin
 * (the server answers to giaddr:<the request's source port>, RFC 8357). One wildcard socket for
 * 10,000 sites overflowed: a boot wave's replies arrive faster than one receive queue drains, the
 * kernel drops them (Udp RcvbufErrors) and PXE retries run out. Every socket asks for a receive
 * buffer of RELAY_RCVBUF bytes (the kernel caps it at net.core.rmem_max).
 * Non-root labs use an ephemeral relay port announced with RFC 8357 (option 82 sub-option 19);
 * real servers that only answer to port 67 need `relayPort: 67` (root).
 * Replies are routed to nodes by chaddr; one Map lookup per packet, no per-node sockets.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { DhcpPacket } from './dhcp-packet.ts';
import { decodeDhcp, encodeDhcp, encodeRelayAgentInfo, DhcpOption } from './dhcp-packet.ts';
import type { SiteLink } from '../../net/site-link.ts';
import type { EventSink } from '../../base/event.ts';
import { ERRORS } from '../../base/errors.ts';

/** Receive/send buffer each relay socket asks for: ~1,800 DHCP replies at the 2,304-byte truesize. */
export const RELAY_RCVBUF = 4 * 1024 * 1024;
/** Wildcard sockets when not per site: enough queues that a wave's replies spread thin. */
export const RELAY_POOL_SOCKETS = 64;

export interface RelayHubOptions {
  server: { host: string; port: number };
  /** 67 for servers that only answer to port 67; 0 = ephemeral + RFC 8357 relay port. */
  relayPort: number;
  /** One socket per site (true) or a pool of RELAY_POOL_SOCKETS wildcard sockets (false). */
  perSite: boolean;
  events: EventSink;
}

interface SiteEntry {
  name: string;
  relay: string;
  link: SiteLink;
  socket: Socket | null;
}

export type DhcpReplyHandler = (p: DhcpPacket) => void;

export class RelayHub {
  private readonly sites = new Map<string, SiteEntry>();
  private readonly byMac = new Map<string, { site: SiteEntry; handler: DhcpReplyHandler }>();
  /** The wildcard pool (not perSite), filled as sites are added. */
  private readonly pool: Socket[] = [];
  private malformed = 0;
  private closed = false;

  constructor(private readonly o: RelayHubOptions) {}

  async addSite(name: string, relay: string, link: SiteLink): Promise<void> {
    const entry: SiteEntry = { name, relay, link, socket: null };
    this.sites.set(name, entry);
    if (this.o.perSite) entry.socket = await this.bind(relay, this.o.relayPort);
    else {
      const slot = (this.sites.size - 1) % RELAY_POOL_SOCKETS;
      this.pool[slot] ??= await this.bind('0.0.0.0', this.o.relayPort);
      entry.socket = this.pool[slot];
    }
  }

  register(mac: string, site: string, handler: DhcpReplyHandler): void {
    const s = this.sites.get(site);
    if (!s) throw new Error(`relay hub: unknown site ${site}`);
    this.byMac.set(mac, { site: s, handler });
  }

  unregister(mac: string): void {
    this.byMac.delete(mac);
  }

  /** A node's broadcast: crosses the site link, then leaves the relay towards the server. */
  send(site: string, p: DhcpPacket, circuitId: string): void {
    const s = this.sites.get(site);
    if (!s) return;
    p.giaddr = s.relay;
    p.hops += 1;
    p.options.delete(DhcpOption.RELAY_AGENT_INFO);
    p.options.set(
      DhcpOption.RELAY_AGENT_INFO,
      encodeRelayAgentInfo({ circuitId, remoteId: s.relay, ...(this.o.relayPort === 67 ? {} : { relayPort: 0 }) }),
    );
    const buf = encodeDhcp(p);
    s.link.udp(
      'up',
      buf.length,
      () => {
        // The link may deliver after close() (a delayed datagram): the socket is gone by then.
        if (this.closed) return;
        s.socket?.send(buf, this.o.server.port, this.o.server.host);
      },
      'dhcp',
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    const socks = [...new Set([...this.sites.values()].map((s) => s.socket).filter((x): x is Socket => x !== null))];
    this.pool.length = 0;
    await Promise.all(socks.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.sites.clear();
    this.byMac.clear();
  }

  private bind(host: string, port: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const sock = createSocket({ type: 'udp4', reuseAddr: true, recvBufferSize: RELAY_RCVBUF, sendBufferSize: RELAY_RCVBUF });
      sock.on('message', (msg) => this.onReply(msg));
      sock.once('error', reject);
      sock.bind({ address: host, port, exclusive: true }, () => {
        sock.off('error', reject);
        sock.on('error', (e) => this.o.events.emit({ kind: 'log', level: 'warn', msg: `relay ${host}: ${e.message}` }));
        resolve(sock);
      });
    });
  }

  private onReply(msg: Buffer): void {
    let p: DhcpPacket;
    try {
      p = decodeDhcp(msg);
    } catch (e) {
      // A malformed reply from the server under test is a finding, not a crash; report a few.
      if (this.malformed++ < 20)
        this.o.events.emit({ kind: 'log', level: 'warn', code: ERRORS.DHCP_MALFORMED.code, msg: `relay: malformed DHCP reply from server: ${(e as Error).message}` });
      return;
    }
    const dest = this.byMac.get(p.chaddr);
    if (!dest) return;
    dest.site.link.udp('down', msg.length, () => dest.handler(p), 'dhcp');
  }
}
