/**
 * The DHCP server's lease model: subnets (checked once from the config), one lease per MAC, and
 * the RFC 2131 rules for which address a DISCOVER gets and whether a REQUEST may have it.
 *
 *   giaddr / source ─▶ subnetFor ─▶ allocate (kept lease ▸ pool cursor ▸ reclaim) ─▶ Lease
 *   REQUEST (SELECTING | INIT-REBOOT | RENEWING) ─▶ confirm ─▶ Lease | nak reason | ignored
 *
 * Stable leases: the same MAC gets the same address back while it has not been reclaimed;
 * addresses come from a cursor over the pool and, once it reaches the end, by reclaiming
 * released/expired/declined-and-expired entries. Times are epoch ms; addresses are u32.
 */
import { FleetlabError } from '../../base/errors.ts';
import { ipToU32, u32ToIp, optIp, DhcpOption, type DhcpPacket } from './dhcp-packet.ts';
import type { DhcpLeaseInfo, DhcpSubnetConfig } from './dhcp-server-types.ts';

type LeaseState = 'offered' | 'bound' | 'released' | 'declined';

export interface Lease {
  mac: string; // '' for a declined address nobody owns
  ip: number;
  subnet: Subnet;
  state: LeaseState;
  expires: number;
}

export interface Subnet {
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

/** What a REQUEST earns: the lease to ACK, a NAK with its reason, or silence. */
export type RequestVerdict = { lease: Lease } | { nak: string } | { ignored: string } | { noSubnet: true };

const ZERO = '0.0.0.0';

export function configError(msg: string): FleetlabError {
  return new FleetlabError('TARGET_START', `DHCP server config: ${msg}`);
}

export function cfgIp(v: string, where: string): number {
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

export function ipBuf(ip: string): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(ipToU32(ip), 0);
  return b;
}

function subnetOf(cfg: DhcpSubnetConfig, i: number): Subnet {
  const where = `subnets[${i}]`;
  const { net, mask } = parseCidr(cfg.subnet, `${where}.subnet`);
  const start = cfgIp(cfg.poolStart, `${where}.poolStart`);
  const end = cfgIp(cfg.poolEnd, `${where}.poolEnd`);
  if (((start & mask) >>> 0) !== net || ((end & mask) >>> 0) !== net || end < start)
    throw configError(`${where}: pool ${cfg.poolStart}-${cfg.poolEnd} is not an ascending range inside ${cfg.subnet}`);
  if (cfg.router !== undefined) cfgIp(cfg.router, `${where}.router`);
  const relay = cfgIp(cfg.relay, `${where}.relay`);
  return { cfg, net, mask, maskBuf: ipBuf(u32ToIp(mask)), routerBuf: ipBuf(cfg.router ?? cfg.relay), relay, start, end, next: start, byIp: new Map() };
}

export class DhcpLeasePool {
  private readonly subnets: Subnet[];
  private readonly byRelay: Map<number, Subnet>;
  private readonly byMac = new Map<string, Lease>();

  /** Throws a TARGET_START FleetlabError naming the bad field (subnets[i].poolStart, …). */
  constructor(configs: DhcpSubnetConfig[]) {
    this.subnets = configs.map(subnetOf);
    this.byRelay = new Map(this.subnets.map((s) => [s.relay, s]));
  }

  subnetFor(giaddr: number, src: number): Subnet | null {
    if (giaddr !== 0) {
      const s = this.byRelay.get(giaddr);
      if (s) return s;
      for (const x of this.subnets) if (((giaddr & x.mask) >>> 0) === x.net) return x;
      return null;
    }
    for (const x of this.subnets) if (((src & x.mask) >>> 0) === x.net) return x;
    return this.subnets[0] ?? null;
  }

  byMacAddress(mac: string): Lease | undefined {
    return this.byMac.get(mac);
  }

  /** The MAC's lease in `s` (kept or new), or null when the pool is exhausted. */
  allocate(s: Subnet, mac: string, now: number): Lease | null {
    const cur = this.byMac.get(mac);
    if (cur) {
      if (cur.subnet === s && cur.state !== 'declined') return cur;
      this.drop(cur);
    }
    while (s.next <= s.end) {
      const ip = s.next++;
      if (!s.byIp.has(ip)) return this.take(s, ip, mac);
    }
    for (const l of s.byIp.values()) {
      if (reusable(l, now)) {
        this.drop(l);
        return this.take(s, l.ip, mac);
      }
    }
    return null;
  }

  /** RFC 2131 4.3.2: may this REQUEST have its address? (The caller binds the lease on success.) */
  confirm(q: DhcpPacket, s: Subnet | null, serverId: string, now: number): RequestVerdict {
    const sid = optIp(q, DhcpOption.SERVER_ID);
    const reqIp = optIp(q, DhcpOption.REQUESTED_IP);
    const l = this.byMac.get(q.chaddr);
    if (sid !== null) {
      // SELECTING: the client answers an OFFER (ours or another server's).
      if (sid !== serverId) {
        if (l && l.state === 'offered') this.drop(l);
        return { ignored: `REQUEST for server ${sid}` };
      }
      if (!s) return { noSubnet: true };
      if (!l || l.subnet !== s || reqIp === null || u32ToIp(l.ip) !== reqIp || l.state === 'declined')
        return { nak: `no offer of ${reqIp ?? '(no option 50)'} to ${q.chaddr}` };
      return { lease: l };
    }
    // INIT-REBOOT (option 50, ciaddr 0) or RENEWING/REBINDING (ciaddr set).
    const want = reqIp ?? (q.ciaddr !== ZERO ? q.ciaddr : null);
    if (want === null) return { nak: 'REQUEST without server id, requested address or ciaddr' };
    if (!s) return { noSubnet: true };
    const w = ipToU32(want);
    if (((w & s.mask) >>> 0) !== s.net) return { nak: `${want} is not on subnet ${s.cfg.subnet}` };
    if (!l || l.subnet !== s) {
      // Authoritative: no record of this client; grant the address if it is free in the pool.
      const holder = s.byIp.get(w);
      if (w < s.start || w > s.end || (holder && !reusable(holder, now))) return { nak: `${want} is not available to ${q.chaddr}` };
      if (l) this.drop(l);
      if (holder) this.drop(holder);
      return { lease: this.take(s, w, q.chaddr) };
    }
    if (l.ip !== w || l.state === 'declined') return { nak: `${q.chaddr} holds ${u32ToIp(l.ip)}, not ${want}` };
    return { lease: l };
  }

  /** DECLINE: the address is in use by someone else; quarantine it (no owner) until `until`. */
  quarantine(l: Lease, until: number): void {
    this.byMac.delete(l.mac);
    l.mac = '';
    l.state = 'declined';
    l.expires = until;
  }

  /** Offered and bound leases that have not expired. */
  leases(now: number): DhcpLeaseInfo[] {
    const out: DhcpLeaseInfo[] = [];
    for (const l of this.byMac.values()) {
      if ((l.state === 'offered' || l.state === 'bound') && l.expires >= now)
        out.push({ mac: l.mac, ip: u32ToIp(l.ip), subnet: l.subnet.cfg.name, state: l.state, expires: l.expires });
    }
    return out;
  }

  private drop(l: Lease): void {
    l.subnet.byIp.delete(l.ip);
    if (l.mac && this.byMac.get(l.mac) === l) this.byMac.delete(l.mac);
  }

  private take(s: Subnet, ip: number, mac: string): Lease {
    const l: Lease = { mac, ip, subnet: s, state: 'offered', expires: 0 };
    s.byIp.set(ip, l);
    this.byMac.set(mac, l);
    return l;
  }
}

function reusable(l: Lease, now: number): boolean {
  return l.state === 'released' || l.expires < now;
}
