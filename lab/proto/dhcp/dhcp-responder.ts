/**
 * What the DHCP server answers to one decoded client message, and where the answer goes.
 *
 *   q ─▶ sanity (op, option 53, hops) ─▶ subnet ─┬ DISCOVER ─▶ pool.allocate ─▶ OFFER
 *                                                ├ REQUEST  ─▶ pool.confirm  ─▶ ACK | NAK | silence
 *                                                ├ RELEASE / DECLINE ─▶ lease state
 *                                                └ INFORM   ─▶ ACK (mask, router)
 *   reply ─▶ giaddr:67 (or the relay's RFC 8357 source port) | the direct client's source address
 *
 * Boot classes in OFFER/ACK: PXEClient (siaddr, file, option 43 = PXE_DISCOVERY_CONTROL 8, 60
 * echoed), iPXE (user class 77: file = the script URL), HTTPClient (60 echoed, file = http URL).
 */
import {
  encodeDhcp,
  hasRelayPort,
  ipToU32,
  u32ToIp,
  messageType,
  optIp,
  optString,
  optU16,
  optUserClass,
  DhcpMessageType,
  DhcpOption,
  BOOTREPLY,
  FLAG_BROADCAST,
  type DhcpPacket,
} from './dhcp-packet.ts';
import { ipBuf, type DhcpLeasePool, type Lease, type Subnet } from './dhcp-lease-pool.ts';
import type { DhcpServerOptions } from './dhcp-server-types.ts';

const PXE_43 = Buffer.from([6, 1, 8, 255]);
const ZERO = '0.0.0.0';

export class DhcpResponder {
  private readonly leaseSecs: number;
  private readonly offerMs: number;
  private readonly emit: DhcpServerOptions['onEvent'];
  // Option values that are the same in every reply, encoded once.
  private readonly serverIdBuf: Buffer;
  private readonly leaseBuf: Buffer;
  private readonly t1Buf: Buffer;
  private readonly t2Buf: Buffer;

  constructor(
    private readonly opts: DhcpServerOptions,
    private readonly serverId: string,
    private readonly pool: DhcpLeasePool,
    private readonly send: (buf: Buffer, host: string, port: number) => void,
  ) {
    this.leaseSecs = opts.leaseSecs ?? 3600;
    this.offerMs = (opts.offerSecs ?? 60) * 1000;
    this.emit = opts.onEvent;
    this.serverIdBuf = ipBuf(serverId);
    const leaseBufs = Buffer.alloc(12);
    leaseBufs.writeUInt32BE(this.leaseSecs, 0);
    leaseBufs.writeUInt32BE(Math.floor(this.leaseSecs / 2), 4); // T1
    leaseBufs.writeUInt32BE(Math.floor((this.leaseSecs * 7) / 8), 8); // T2
    this.leaseBuf = leaseBufs.subarray(0, 4);
    this.t1Buf = leaseBufs.subarray(4, 8);
    this.t2Buf = leaseBufs.subarray(8, 12);
  }

  handle(q: DhcpPacket, rAddr: string, rPort: number): void {
    const emit = this.emit;
    if (q.op !== 1) return emit?.({ type: 'ignored', mac: q.chaddr, reason: 'op is BOOTREPLY' });
    const mt = messageType(q);
    if (mt === null) return emit?.({ type: 'ignored', mac: q.chaddr, reason: 'no option 53 (plain BOOTP is not served)' });
    if (q.hops > 16) return emit?.({ type: 'ignored', mac: q.chaddr, reason: `hops ${q.hops} > 16` });
    const s = this.pool.subnetFor(ipToU32(q.giaddr), ipToU32(rAddr));
    const now = Date.now();
    const seen = { mac: q.chaddr, giaddr: q.giaddr, xid: q.xid, subnet: s ? s.cfg.name : null };
    switch (mt) {
      case DhcpMessageType.DISCOVER:
        emit?.({ type: 'discover', ...seen });
        return this.discover(q, s, now, rAddr, rPort);
      case DhcpMessageType.REQUEST:
        emit?.({ type: 'request', ...seen });
        return this.request(q, s, now, rAddr, rPort);
      case DhcpMessageType.RELEASE: {
        emit?.({ type: 'release', ...seen });
        const l = this.pool.byMacAddress(q.chaddr);
        // Keep the MAC → address binding so the client gets the same address back (stable lease).
        if (l && u32ToIp(l.ip) === q.ciaddr) l.state = 'released';
        return;
      }
      case DhcpMessageType.DECLINE: {
        emit?.({ type: 'decline', ...seen });
        const l = this.pool.byMacAddress(q.chaddr);
        // The address is in use by someone else: quarantine it for a lease time.
        if (l && u32ToIp(l.ip) === optIp(q, DhcpOption.REQUESTED_IP)) this.pool.quarantine(l, now + this.leaseSecs * 1000);
        return;
      }
      case DhcpMessageType.INFORM: {
        emit?.({ type: 'inform', ...seen });
        const r = this.reply(q, DhcpMessageType.ACK);
        if (s) {
          r.options.set(DhcpOption.SUBNET_MASK, s.maskBuf);
          r.options.set(DhcpOption.ROUTER, s.routerBuf);
        }
        const [h, p] = destination(q, rAddr, rPort);
        this.sendReply(q, r, h, p);
        return;
      }
      default:
        return emit?.({ type: 'ignored', mac: q.chaddr, reason: `message type ${mt} is not a client message` });
    }
  }

  private discover(q: DhcpPacket, s: Subnet | null, now: number, rAddr: string, rPort: number): void {
    if (!s) return this.emit?.({ type: 'no-subnet', mac: q.chaddr, giaddr: q.giaddr });
    const l = this.pool.allocate(s, q.chaddr, now);
    if (!l) return this.emit?.({ type: 'pool-exhausted', mac: q.chaddr, giaddr: q.giaddr, subnet: s.cfg.name });
    if (l.state !== 'bound' || l.expires < now) {
      l.state = 'offered';
      l.expires = now + this.offerMs;
    }
    this.sendLease(q, DhcpMessageType.OFFER, l, s, rAddr, rPort);
  }

  private request(q: DhcpPacket, s: Subnet | null, now: number, rAddr: string, rPort: number): void {
    const v = this.pool.confirm(q, s, this.serverId, now);
    if ('ignored' in v) return this.emit?.({ type: 'ignored', mac: q.chaddr, reason: v.ignored });
    if ('noSubnet' in v || !s) return this.emit?.({ type: 'no-subnet', mac: q.chaddr, giaddr: q.giaddr });
    if ('nak' in v) return this.nak(q, v.nak, rAddr, rPort);
    v.lease.state = 'bound';
    v.lease.expires = now + this.leaseSecs * 1000;
    this.sendLease(q, DhcpMessageType.ACK, v.lease, s, rAddr, rPort);
  }

  private sendLease(q: DhcpPacket, type: typeof DhcpMessageType.OFFER | typeof DhcpMessageType.ACK, l: Lease, s: Subnet, rAddr: string, rPort: number): void {
    const { r, file } = this.leaseReply(q, type, l, s);
    const [h, p] = destination(q, rAddr, rPort);
    this.sendReply(q, r, h, p);
    const event = type === DhcpMessageType.OFFER ? 'offer' : 'ack';
    this.emit?.({ type: event, mac: q.chaddr, ip: r.yiaddr, giaddr: q.giaddr, xid: q.xid, subnet: s.cfg.name, file, to: `${h}:${p}` });
  }

  private reply(q: DhcpPacket, type: number): DhcpPacket {
    const options = new Map<number, Buffer>();
    options.set(DhcpOption.MESSAGE_TYPE, Buffer.from([type]));
    options.set(DhcpOption.SERVER_ID, this.serverIdBuf);
    return {
      op: BOOTREPLY,
      htype: q.htype,
      hlen: q.hlen,
      hops: 0,
      xid: q.xid,
      secs: 0,
      flags: q.flags,
      ciaddr: q.ciaddr,
      yiaddr: ZERO,
      siaddr: ZERO,
      giaddr: q.giaddr,
      chaddr: q.chaddr,
      sname: '',
      file: '',
      options,
    };
  }

  /**
   * Encode and send a reply. Option 82 is echoed verbatim, last (RFC 3046 §2.2: relays use it
   * to route the reply and strip it before the client sees it).
   */
  private sendReply(q: DhcpPacket, r: DhcpPacket, host: string, port: number): void {
    const rai = q.options.get(DhcpOption.RELAY_AGENT_INFO);
    if (rai) r.options.set(DhcpOption.RELAY_AGENT_INFO, rai);
    this.send(encodeDhcp(r), host, port);
  }

  private leaseReply(q: DhcpPacket, type: number, l: Lease, s: Subnet): { r: DhcpPacket; file: string | null } {
    const r = this.reply(q, type);
    r.yiaddr = u32ToIp(l.ip);
    r.siaddr = this.opts.nextServer;
    const o = r.options;
    o.set(DhcpOption.LEASE_TIME, this.leaseBuf);
    o.set(DhcpOption.RENEWAL_TIME, this.t1Buf);
    o.set(DhcpOption.REBINDING_TIME, this.t2Buf);
    o.set(DhcpOption.SUBNET_MASK, s.maskBuf);
    o.set(DhcpOption.ROUTER, s.routerBuf);
    const vendorClass = optString(q, DhcpOption.VENDOR_CLASS) ?? '';
    const userClass = optUserClass(q);
    const pxe = vendorClass.startsWith('PXEClient');
    const http = vendorClass.startsWith('HTTPClient');
    let file: string | null = null;
    if (pxe || http || userClass !== null) {
      const ans = this.opts.bootFile({ mac: q.chaddr, arch: optU16(q, DhcpOption.CLIENT_ARCH), vendorClass, userClass, giaddr: q.giaddr });
      if (ans) {
        file = ans.file;
        if (Buffer.byteLength(file) <= 127) r.file = file;
        else o.set(DhcpOption.BOOTFILE_NAME, Buffer.from(file));
        const echo = ans.vendorClassEcho ?? (http ? 'HTTPClient' : pxe ? 'PXEClient' : undefined);
        if (echo) o.set(DhcpOption.VENDOR_CLASS, Buffer.from(echo));
        // PXE_DISCOVERY_CONTROL=8: take `file` from this reply, skip boot-server discovery.
        if (pxe && userClass === null) o.set(DhcpOption.VENDOR_SPECIFIC, PXE_43);
      }
    }
    return { r, file };
  }

  private nak(q: DhcpPacket, reason: string, rAddr: string, rPort: number): void {
    const r = this.reply(q, DhcpMessageType.NAK);
    r.options.set(DhcpOption.MESSAGE, Buffer.from(reason));
    // RFC 2131 4.3.2: a relayed NAK is broadcast on the client's segment.
    if (q.giaddr !== ZERO) r.flags |= FLAG_BROADCAST;
    const [h, p] = destination(q, rAddr, rPort);
    this.sendReply(q, r, h, p);
    this.emit?.({ type: 'nak', mac: q.chaddr, giaddr: q.giaddr, xid: q.xid, reason, to: `${h}:${p}` });
  }
}

/** Where a reply goes: relay (67 or its RFC 8357 source port) or the direct client's source. */
function destination(q: DhcpPacket, rAddr: string, rPort: number): [string, number] {
  if (q.giaddr !== ZERO) return [q.giaddr, hasRelayPort(q) ? rPort : 67];
  return [rAddr, rPort];
}
