/**
 * The reference target's DHCP server: relay-aware, PXE-aware, one UDP socket.
 *
 *   relay (giaddr, opt 82 [+ RFC 8357 sub 19]) ──▶ :port ──decode──▶ subnet by giaddr ──▶ lease
 *                                                                              │
 *   reply ◀── giaddr:67 (or the relay's source port when sub-option 19 is present) ◀── class:
 *             or source addr:port for direct loopback requests (giaddr 0)          PXEClient / iPXE / HTTPClient
 *
 * Lease model: one lease per MAC (stable: the same MAC gets the same address back while it has
 * not been reclaimed), addresses taken from a cursor over the pool and, once the cursor reaches
 * the end, by reclaiming released/expired/declined-and-expired entries. Times are epoch ms.
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
import { FleetlabError } from '../../base/errors.ts';
import {
  decodeDhcp,
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

export interface DhcpSubnetConfig {
  name: string;
  /** CIDR, e.g. '127.20.0.0/24'. */
  subnet: string;
  /** The site relay's giaddr, e.g. '127.20.0.1'. */
  relay: string;
  poolStart: string;
  poolEnd: string;
  /** Option 3; defaults to the relay address. */
  router?: string;
}

export interface BootFileQuery {
  mac: string;
  /** Option 93 (0 BIOS, 7 EFI x64, 16 x64 HTTP, ...) or null when the client sent none. */
  arch: number | null;
  /** Option 60 as sent ('' when absent). */
  vendorClass: string;
  /** Option 77 (first class), e.g. 'iPXE', or null. */
  userClass: string | null;
  giaddr: string;
}

export interface BootFileAnswer {
  /** Boot file name (TFTP path) or full URL (iPXE / HTTPClient). */
  file: string;
  /** Option 60 in the reply; defaults to 'PXEClient' / 'HTTPClient' for those classes. */
  vendorClassEcho?: string;
}

export type DhcpServerEvent =
  | { type: 'discover' | 'request' | 'release' | 'decline' | 'inform'; mac: string; giaddr: string; xid: number; subnet: string | null }
  | { type: 'offer' | 'ack'; mac: string; ip: string; giaddr: string; xid: number; subnet: string; file: string | null; to: string }
  | { type: 'nak'; mac: string; giaddr: string; xid: number; reason: string; to: string }
  | { type: 'pool-exhausted'; mac: string; giaddr: string; subnet: string }
  | { type: 'no-subnet'; mac: string; giaddr: string }
  | { type: 'ignored'; mac: string; reason: string }
  | { type: 'malformed'; error: string; from: string }
  /** The request was valid but answering it failed (e.g. the bootFile callback threw). */
  | { type: 'error'; error: string; mac: string; from: string }
  | { type: 'send-error'; error: string; to: string };

export interface DhcpServerOptions {
  host: string;
  port: number;
  subnets: DhcpSubnetConfig[];
  /** siaddr and TFTP server for PXE ROMs. */
  nextServer: string;
  /** TFTP port when not 69 (informational: PXE ROMs always use 69; the sim reads it from the config). */
  tftpPort?: number;
  bootFile: (c: BootFileQuery) => BootFileAnswer | null;
  /** Lease time in seconds (option 51), default 3600. */
  leaseSecs?: number;
  /** How long an OFFER holds its address, seconds (default 60). */
  offerSecs?: number;
  onEvent?: (e: DhcpServerEvent) => void;
}

export interface DhcpLeaseInfo {
  mac: string;
  ip: string;
  subnet: string;
  state: 'offered' | 'bound';
  expires: number;
}

export interface DhcpServer {
  address: { host: string; port: number };
  leases(): DhcpLeaseInfo[];
  close(): Promise<void>;
}

type LeaseState = 'offered' | 'bound' | 'released' | 'declined';

interface Lease {
  mac: string; // '' for a declined address nobody owns
  ip: number;
  subnet: Subnet;
  state: LeaseState;
  expires: number;
}

interface Subnet {
  cfg: DhcpSubnetConfig;
  net: number;
  mask: number;
  /** Option 1 and 3 values, encoded once (replies share them read-only). */
  maskBuf: Buffer;
  routerBuf: Buffer;
  relay: number;
  start: number;
  end: number;
  next: number;
  byIp: Map<number, Lease>;
}

const PXE_43 = Buffer.from([6, 1, 8, 255]);
const ZERO = '0.0.0.0';

function configError(msg: string): FleetlabError {
  return new FleetlabError('TARGET_START', `DHCP server config: ${msg}`);
}

function cfgIp(v: string, where: string): number {
  try {
    return ipToU32(v);
  } catch {
    throw configError(`${where}: '${v}' is not an IPv4 address`);
  }
}

function parseCidr(s: string, where: string): { net: number; mask: number } {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(s);
  const bits = m ? Number(m[2]) : NaN;
  if (!m || bits > 32) throw configError(`${where}: '${s}' is not a CIDR like 127.20.0.0/24`);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { net: (cfgIp(m[1]!, where) & mask) >>> 0, mask };
}

export async function startDhcpServer(opts: DhcpServerOptions): Promise<DhcpServer> {
  const leaseSecs = opts.leaseSecs ?? 3600;
  const offerMs = (opts.offerSecs ?? 60) * 1000;
  const emit = opts.onEvent;
  const serverId = opts.host !== ZERO ? opts.host : opts.nextServer;
  cfgIp(opts.host, 'host');
  cfgIp(opts.nextServer, 'nextServer');

  const subnets: Subnet[] = opts.subnets.map((cfg, i) => {
    const where = `subnets[${i}]`;
    const { net, mask } = parseCidr(cfg.subnet, `${where}.subnet`);
    const start = cfgIp(cfg.poolStart, `${where}.poolStart`);
    const end = cfgIp(cfg.poolEnd, `${where}.poolEnd`);
    if (((start & mask) >>> 0) !== net || ((end & mask) >>> 0) !== net || end < start)
      throw configError(`${where}: pool ${cfg.poolStart}-${cfg.poolEnd} is not an ascending range inside ${cfg.subnet}`);
    if (cfg.router !== undefined) cfgIp(cfg.router, `${where}.router`);
    const relay = cfgIp(cfg.relay, `${where}.relay`);
    return { cfg, net, mask, maskBuf: ipBuf(u32ToIp(mask)), routerBuf: ipBuf(cfg.router ?? cfg.relay), relay, start, end, next: start, byIp: new Map() };
  });
  const byRelay = new Map<number, Subnet>(subnets.map((s) => [s.relay, s]));
  const byMac = new Map<string, Lease>();
  // Option values that are the same in every reply, encoded once.
  const serverIdBuf = ipBuf(serverId);
  const leaseBufs = Buffer.alloc(12);
  leaseBufs.writeUInt32BE(leaseSecs, 0);
  leaseBufs.writeUInt32BE(Math.floor(leaseSecs / 2), 4); // T1
  leaseBufs.writeUInt32BE(Math.floor((leaseSecs * 7) / 8), 8); // T2
  const leaseBuf = leaseBufs.subarray(0, 4);
  const t1Buf = leaseBufs.subarray(4, 8);
  const t2Buf = leaseBufs.subarray(8, 12);

  function subnetFor(giaddr: number, src: number): Subnet | null {
    if (giaddr !== 0) {
      const s = byRelay.get(giaddr);
      if (s) return s;
      for (const x of subnets) if (((giaddr & x.mask) >>> 0) === x.net) return x;
      return null;
    }
    for (const x of subnets) if (((src & x.mask) >>> 0) === x.net) return x;
    return subnets[0] ?? null;
  }

  function drop(l: Lease): void {
    l.subnet.byIp.delete(l.ip);
    if (l.mac && byMac.get(l.mac) === l) byMac.delete(l.mac);
  }

  function reusable(l: Lease, now: number): boolean {
    return l.state === 'released' || l.expires < now;
  }

  /** The MAC's lease in `s` (kept or new), or null when the pool is exhausted. */
  function allocate(s: Subnet, mac: string, now: number): Lease | null {
    const cur = byMac.get(mac);
    if (cur) {
      if (cur.subnet === s && cur.state !== 'declined') return cur;
      drop(cur);
    }
    while (s.next <= s.end) {
      const ip = s.next++;
      if (!s.byIp.has(ip)) return take(s, ip, mac);
    }
    for (const l of s.byIp.values()) {
      if (reusable(l, now)) {
        drop(l);
        return take(s, l.ip, mac);
      }
    }
    return null;
  }

  function take(s: Subnet, ip: number, mac: string): Lease {
    const l: Lease = { mac, ip, subnet: s, state: 'offered', expires: 0 };
    s.byIp.set(ip, l);
    byMac.set(mac, l);
    return l;
  }

  // A boot storm arrives in bursts: a large receive buffer (capped by net.core.rmem_max) keeps
  // the kernel from dropping requests while the event loop is busy.
  const sock = dgram.createSocket({ type: 'udp4', reuseAddr: false, recvBufferSize: 4 << 20, sendBufferSize: 1 << 20 });
  sock.on('error', (e) => emit?.({ type: 'send-error', error: e.message, to: `${opts.host}:${opts.port}` }));

  function send(buf: Buffer, host: string, port: number): void {
    sock.send(buf, port, host, (err) => {
      if (err) emit?.({ type: 'send-error', error: err.message, to: `${host}:${port}` });
    });
  }

  function reply(q: DhcpPacket, type: number): DhcpPacket {
    const options = new Map<number, Buffer>();
    options.set(DhcpOption.MESSAGE_TYPE, Buffer.from([type]));
    options.set(DhcpOption.SERVER_ID, serverIdBuf);
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
  function sendReply(q: DhcpPacket, r: DhcpPacket, host: string, port: number): void {
    const rai = q.options.get(DhcpOption.RELAY_AGENT_INFO);
    if (rai) r.options.set(DhcpOption.RELAY_AGENT_INFO, rai);
    send(encodeDhcp(r), host, port);
  }

  /** Where a reply goes: relay (67 or its RFC 8357 source port) or the direct client's source. */
  function destination(q: DhcpPacket, rAddr: string, rPort: number): [string, number] {
    if (q.giaddr !== ZERO) return [q.giaddr, hasRelayPort(q) ? rPort : 67];
    return [rAddr, rPort];
  }

  function leaseReply(q: DhcpPacket, type: number, l: Lease, s: Subnet): { r: DhcpPacket; file: string | null } {
    const r = reply(q, type);
    r.yiaddr = u32ToIp(l.ip);
    r.siaddr = opts.nextServer;
    const o = r.options;
    o.set(DhcpOption.LEASE_TIME, leaseBuf);
    o.set(DhcpOption.RENEWAL_TIME, t1Buf);
    o.set(DhcpOption.REBINDING_TIME, t2Buf);
    o.set(DhcpOption.SUBNET_MASK, s.maskBuf);
    o.set(DhcpOption.ROUTER, s.routerBuf);
    const vendorClass = optString(q, DhcpOption.VENDOR_CLASS) ?? '';
    const userClass = optUserClass(q);
    const pxe = vendorClass.startsWith('PXEClient');
    const http = vendorClass.startsWith('HTTPClient');
    let file: string | null = null;
    if (pxe || http || userClass !== null) {
      const ans = opts.bootFile({ mac: q.chaddr, arch: optU16(q, DhcpOption.CLIENT_ARCH), vendorClass, userClass, giaddr: q.giaddr });
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

  function nak(q: DhcpPacket, reason: string, rAddr: string, rPort: number): void {
    const r = reply(q, DhcpMessageType.NAK);
    r.options.set(DhcpOption.MESSAGE, Buffer.from(reason));
    // RFC 2131 4.3.2: a relayed NAK is broadcast on the client's segment.
    if (q.giaddr !== ZERO) r.flags |= FLAG_BROADCAST;
    const [h, p] = destination(q, rAddr, rPort);
    sendReply(q, r, h, p);
    emit?.({ type: 'nak', mac: q.chaddr, giaddr: q.giaddr, xid: q.xid, reason, to: `${h}:${p}` });
  }

  function handle(q: DhcpPacket, rAddr: string, rPort: number): void {
    if (q.op !== 1) return emit?.({ type: 'ignored', mac: q.chaddr, reason: 'op is BOOTREPLY' });
    const mt = messageType(q);
    if (mt === null) return emit?.({ type: 'ignored', mac: q.chaddr, reason: 'no option 53 (plain BOOTP is not served)' });
    if (q.hops > 16) return emit?.({ type: 'ignored', mac: q.chaddr, reason: `hops ${q.hops} > 16` });
    const gi = ipToU32(q.giaddr);
    const s = subnetFor(gi, ipToU32(rAddr));
    const now = Date.now();
    const subName = s ? s.cfg.name : null;
    switch (mt) {
      case DhcpMessageType.DISCOVER: {
        emit?.({ type: 'discover', mac: q.chaddr, giaddr: q.giaddr, xid: q.xid, subnet: subName });
        if (!s) return emit?.({ type: 'no-subnet', mac: q.chaddr, giaddr: q.giaddr });
        const l = allocate(s, q.chaddr, now);
        if (!l) return emit?.({ type: 'pool-exhausted', mac: q.chaddr, giaddr: q.giaddr, subnet: s.cfg.name });
        if (l.state !== 'bound' || l.expires < now) {
          l.state = 'offered';
          l.expires = now + offerMs;
        }
        const { r, file } = leaseReply(q, DhcpMessageType.OFFER, l, s);
        const [h, p] = destination(q, rAddr, rPort);
        sendReply(q, r, h, p);
        emit?.({ type: 'offer', mac: q.chaddr, ip: r.yiaddr, giaddr: q.giaddr, xid: q.xid, subnet: s.cfg.name, file, to: `${h}:${p}` });
        return;
      }
      case DhcpMessageType.REQUEST: {
        emit?.({ type: 'request', mac: q.chaddr, giaddr: q.giaddr, xid: q.xid, subnet: subName });
        const sid = optIp(q, DhcpOption.SERVER_ID);
        const reqIp = optIp(q, DhcpOption.REQUESTED_IP);
        let l = byMac.get(q.chaddr);
        if (sid !== null) {
          // SELECTING: the client answers an OFFER (ours or another server's).
          if (sid !== serverId) {
            if (l && l.state === 'offered') drop(l);
            return emit?.({ type: 'ignored', mac: q.chaddr, reason: `REQUEST for server ${sid}` });
          }
          if (!s) return emit?.({ type: 'no-subnet', mac: q.chaddr, giaddr: q.giaddr });
          if (!l || l.subnet !== s || reqIp === null || u32ToIp(l.ip) !== reqIp || l.state === 'declined')
            return nak(q, `no offer of ${reqIp ?? '(no option 50)'} to ${q.chaddr}`, rAddr, rPort);
        } else {
          // INIT-REBOOT (option 50, ciaddr 0) or RENEWING/REBINDING (ciaddr set).
          const want = reqIp ?? (q.ciaddr !== ZERO ? q.ciaddr : null);
          if (want === null) return nak(q, 'REQUEST without server id, requested address or ciaddr', rAddr, rPort);
          if (!s) return emit?.({ type: 'no-subnet', mac: q.chaddr, giaddr: q.giaddr });
          const w = ipToU32(want);
          if (((w & s.mask) >>> 0) !== s.net) return nak(q, `${want} is not on subnet ${s.cfg.subnet}`, rAddr, rPort);
          if (!l || l.subnet !== s) {
            // Authoritative: no record of this client; grant the address if it is free in the pool.
            const holder = s.byIp.get(w);
            if (w < s.start || w > s.end || (holder && !reusable(holder, now)))
              return nak(q, `${want} is not available to ${q.chaddr}`, rAddr, rPort);
            if (l) drop(l);
            if (holder) drop(holder);
            l = take(s, w, q.chaddr);
          } else if (l.ip !== w || l.state === 'declined') {
            return nak(q, `${q.chaddr} holds ${u32ToIp(l.ip)}, not ${want}`, rAddr, rPort);
          }
        }
        l.state = 'bound';
        l.expires = now + leaseSecs * 1000;
        const { r, file } = leaseReply(q, DhcpMessageType.ACK, l, s);
        const [h, p] = destination(q, rAddr, rPort);
        sendReply(q, r, h, p);
        emit?.({ type: 'ack', mac: q.chaddr, ip: r.yiaddr, giaddr: q.giaddr, xid: q.xid, subnet: s.cfg.name, file, to: `${h}:${p}` });
        return;
      }
      case DhcpMessageType.RELEASE: {
        emit?.({ type: 'release', mac: q.chaddr, giaddr: q.giaddr, xid: q.xid, subnet: subName });
        const l = byMac.get(q.chaddr);
        // Keep the MAC → address binding so the client gets the same address back (stable lease).
        if (l && u32ToIp(l.ip) === q.ciaddr) l.state = 'released';
        return;
      }
      case DhcpMessageType.DECLINE: {
        emit?.({ type: 'decline', mac: q.chaddr, giaddr: q.giaddr, xid: q.xid, subnet: subName });
        const l = byMac.get(q.chaddr);
        const ip = optIp(q, DhcpOption.REQUESTED_IP);
        if (l && u32ToIp(l.ip) === ip) {
          // The address is in use by someone else: quarantine it for a lease time.
          byMac.delete(l.mac);
          l.mac = '';
          l.state = 'declined';
          l.expires = now + leaseSecs * 1000;
        }
        return;
      }
      case DhcpMessageType.INFORM: {
        emit?.({ type: 'inform', mac: q.chaddr, giaddr: q.giaddr, xid: q.xid, subnet: subName });
        const r = reply(q, DhcpMessageType.ACK);
        if (s) {
          r.options.set(DhcpOption.SUBNET_MASK, s.maskBuf);
          r.options.set(DhcpOption.ROUTER, s.routerBuf);
        }
        const [h, p] = destination(q, rAddr, rPort);
        sendReply(q, r, h, p);
        return;
      }
      default:
        return emit?.({ type: 'ignored', mac: q.chaddr, reason: `message type ${mt} is not a client message` });
    }
  }

  sock.on('message', (msg, rinfo) => {
    let q: DhcpPacket;
    try {
      q = decodeDhcp(msg);
    } catch (e) {
      emit?.({ type: 'malformed', error: (e as Error).message, from: `${rinfo.address}:${rinfo.port}` });
      return;
    }
    try {
      handle(q, rinfo.address, rinfo.port);
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
    leases() {
      const now = Date.now();
      const out: DhcpLeaseInfo[] = [];
      for (const l of byMac.values()) {
        if ((l.state === 'offered' || l.state === 'bound') && l.expires >= now)
          out.push({ mac: l.mac, ip: u32ToIp(l.ip), subnet: l.subnet.cfg.name, state: l.state, expires: l.expires });
      }
      return out;
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise<void>((resolve) => sock.close(() => resolve()));
    },
  };
}

function ipBuf(ip: string): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(ipToU32(ip), 0);
  return b;
}
