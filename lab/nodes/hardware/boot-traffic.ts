/**
 * What a machine without an agent of ours reveals on the wire: its DHCP, TFTP and HTTP requests
 * as they cross the site's WAN (the userspace WAN hands every delivered frame here). Pure: frames
 * in, observations per MAC out; the hardware tier turns them into phases and events.
 *
 *   up   relay ─▶ CORE:67   DHCP request: chaddr = MAC, type, user class (iPXE) / vendor class
 *   down CORE:67 ─▶ relay   DHCP reply: yiaddr ─▶ IP→MAC (the routed LAN hides MACs past the relay)
 *   up   IP ─▶ CORE:69      TFTP RRQ filename          up   IP:port ─▶ CORE:any  HTTP request line
 *   down CORE ─▶ IP:port    "HTTP/1.x NNN" (the answer to that connection's request)
 * Ethernet II + IPv4 only (what the site ns routes); anything else is ignored.
 */

export type BootObservation =
  | { kind: 'dhcp'; mac: string; dir: 'request' | 'reply'; type: number; ip?: string; userClass?: string; vendorClass?: string; bootFile?: string }
  | { kind: 'tftp'; mac: string; file: string }
  | { kind: 'http'; mac: string; method: string; path: string }
  | { kind: 'http-status'; mac: string; method: string; path: string; status: number };

/** DHCP message types (RFC 2132 option 53). */
export const DHCP = { DISCOVER: 1, OFFER: 2, REQUEST: 3, ACK: 5, NAK: 6 } as const;

const HTTP_METHOD = /^(GET|POST|PUT|HEAD|DELETE|PATCH) (\S+) HTTP\/1\.[01]\r\n/;

export class BootTrafficObserver {
  private readonly macOfIp = new Map<string, string>();
  /** Open HTTP requests by the client's ip:port. */
  private readonly open = new Map<string, { method: string; path: string }>();

  constructor(private readonly emit: (o: BootObservation) => void) {}

  /** The MAC that leased `ip` (from the DHCP replies seen). */
  macOf(ip: string): string | undefined {
    return this.macOfIp.get(ip);
  }

  frame(dir: 'up' | 'down', f: Buffer): void {
    if (f.length < 34 || f.readUInt16BE(12) !== 0x0800) return;
    const ip = 14;
    if (f[ip]! >> 4 !== 4) return;
    const ihl = (f[ip]! & 15) * 4;
    const proto = f[ip + 9];
    const src = ipv4(f, ip + 12);
    const dst = ipv4(f, ip + 16);
    const l4 = ip + ihl;
    if (f.length < l4 + 8) return;
    const sport = f.readUInt16BE(l4);
    const dport = f.readUInt16BE(l4 + 2);
    if (proto === 17) this.udp(dir, f.subarray(l4 + 8), src, sport, dport);
    else if (proto === 6 && f.length >= l4 + 20) this.tcp(dir, f.subarray(l4 + ((f[l4 + 12]! >> 4) * 4)), src, dst, dir === 'up' ? sport : dport);
  }

  private udp(dir: 'up' | 'down', p: Buffer, src: string, sport: number, dport: number): void {
    if (dport === 67 && (sport === 67 || sport === 68)) return this.dhcp(dir, p);
    if (dir === 'up' && dport === 69 && p.length > 4 && p.readUInt16BE(0) === 1) {
      const mac = this.macOfIp.get(src);
      const end = p.indexOf(0, 2);
      if (mac && end > 2) this.emit({ kind: 'tftp', mac, file: p.subarray(2, end).toString('latin1') });
    }
  }

  private dhcp(dir: 'up' | 'down', p: Buffer): void {
    if (p.length < 240 || p.readUInt32BE(236) !== 0x63825363) return;
    const mac = [...p.subarray(28, 34)].map((b) => b.toString(16).padStart(2, '0')).join(':');
    const opts = dhcpOptions(p.subarray(240));
    const type = opts.get(53)?.[0];
    if (type === undefined) return;
    const yiaddr = ipv4(p, 16);
    if (dir === 'down' && type === DHCP.ACK && yiaddr !== '0.0.0.0') this.macOfIp.set(yiaddr, mac);
    const text = (code: number) => opts.get(code)?.toString('latin1').replace(/\0+$/, '');
    const userClass = text(77);
    const vendorClass = text(60);
    const bootFile = text(67);
    this.emit({
      kind: 'dhcp',
      mac,
      dir: dir === 'up' ? 'request' : 'reply',
      type,
      ...(dir === 'down' ? { ip: yiaddr } : {}),
      ...(userClass ? { userClass } : {}),
      ...(vendorClass ? { vendorClass } : {}),
      ...(bootFile ? { bootFile } : {}),
    });
  }

  private tcp(dir: 'up' | 'down', payload: Buffer, src: string, dst: string, port: number): void {
    if (payload.length < 12) return;
    // Any port: the target's HTTP side listens where it likes (the site DNATs CORE:port to it).
    if (dir === 'up') {
      const m = HTTP_METHOD.exec(payload.subarray(0, 2048).toString('latin1'));
      const mac = this.macOfIp.get(src);
      if (!m || !mac) return;
      this.open.set(`${src}:${port}`, { method: m[1]!, path: m[2]! });
      this.emit({ kind: 'http', mac, method: m[1]!, path: m[2]! });
    } else {
      const key = `${dst}:${port}`;
      const req = this.open.get(key);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(payload.subarray(0, 16).toString('latin1'));
      const mac = this.macOfIp.get(dst);
      if (!req || !m || !mac) return;
      this.open.delete(key);
      this.emit({ kind: 'http-status', mac, method: req.method, path: req.path, status: Number(m[1]) });
    }
  }
}

function ipv4(b: Buffer, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/** DHCP options (code → value), stopping at END or a truncated option. */
function dhcpOptions(b: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  for (let i = 0; i < b.length; ) {
    const code = b[i]!;
    if (code === 255) break;
    if (code === 0) {
      i++;
      continue;
    }
    const len = b[i + 1];
    if (len === undefined || i + 2 + len > b.length) break;
    out.set(code, b.subarray(i + 2, i + 2 + len));
    i += 2 + len;
  }
  return out;
}
