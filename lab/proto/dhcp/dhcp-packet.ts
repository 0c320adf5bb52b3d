/**
 * DHCPv4 codec (RFC 2131 packet, RFC 2132 options, RFC 3396 long options, RFC 3046 / RFC 8357
 * relay agent information) plus the option sets PXE firmware and iPXE really send.
 *
 *   0      4      8     12     16     20     24     28     44    108   236   240
 *   |op htype hlen hops|xid|secs flags|ciaddr|yiaddr|siaddr|giaddr|chaddr|sname|file|cookie|options…
 *
 * Decode is strict and names the offending field ("options[60]: length 40 runs past end of
 * packet (offset 300)"); it honours option overload (52) into file/sname and concatenates
 * repeated instances of one option (RFC 3396). Encode writes 53 first, splits options longer
 * than 255 bytes, ends with 255 and pads to the BOOTP minimum of 300 bytes.
 */
import { FleetlabError } from '../../base/errors.ts';

export interface DhcpPacket {
  op: 1 | 2;
  htype: number;
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /** Hardware address, lower-case colon hex of the first `hlen` bytes ('aa:bb:cc:dd:ee:ff'). */
  chaddr: string;
  sname: string;
  file: string;
  /** Option code → value (without code/length bytes). Insertion order is the encode order (53 first). */
  options: Map<number, Buffer>;
}

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
export const DHCP_MAGIC = 0x63825363;
/** BOOTP minimum message size; many relays/clients drop shorter datagrams. */
export const DHCP_MIN_SIZE = 300;
/** Broadcast bit of `flags`. */
export const FLAG_BROADCAST = 0x8000;

export const DhcpMessageType = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;
export type DhcpMessageTypeName = keyof typeof DhcpMessageType;

const TYPE_NAMES: Record<number, DhcpMessageTypeName> = Object.fromEntries(
  Object.entries(DhcpMessageType).map(([k, v]) => [v, k as DhcpMessageTypeName]),
);
export function messageTypeName(t: number | null): string {
  return t === null ? 'BOOTP' : (TYPE_NAMES[t] ?? `type-${t}`);
}

export const DhcpOption = {
  PAD: 0,
  SUBNET_MASK: 1,
  ROUTER: 3,
  DNS: 6,
  HOSTNAME: 12,
  DOMAIN_NAME: 15,
  VENDOR_SPECIFIC: 43,
  REQUESTED_IP: 50,
  LEASE_TIME: 51,
  OVERLOAD: 52,
  MESSAGE_TYPE: 53,
  SERVER_ID: 54,
  PARAMETER_LIST: 55,
  MESSAGE: 56,
  MAX_MESSAGE_SIZE: 57,
  RENEWAL_TIME: 58,
  REBINDING_TIME: 59,
  VENDOR_CLASS: 60,
  CLIENT_ID: 61,
  TFTP_SERVER_NAME: 66,
  BOOTFILE_NAME: 67,
  USER_CLASS: 77,
  RELAY_AGENT_INFO: 82,
  CLIENT_ARCH: 93,
  CLIENT_NDI: 94,
  CLIENT_UUID: 97,
  IPXE_ENCAP: 175,
  END: 255,
} as const;

function malformed(msg: string): FleetlabError {
  return new FleetlabError('DHCP_MALFORMED', `DHCP packet malformed: ${msg}`);
}

// ---------- addresses ----------

/** Dotted quad → unsigned 32-bit; throws DHCP_MALFORMED for anything else. Hot path: no regex. */
export function ipToU32(ip: string): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return badIp(ip);
    } else if (c === 46 && digits > 0 && dots < 3) {
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else return badIp(ip);
  }
  if (dots !== 3 || digits === 0) return badIp(ip);
  return (n * 256 + part) >>> 0;
}

function badIp(ip: string): never {
  throw new FleetlabError('DHCP_MALFORMED', `'${ip}' is not an IPv4 address`);
}

export function u32ToIp(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function readIp(buf: Buffer, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function macToString(buf: Buffer, off = 0, len = 6): string {
  let s = '';
  for (let i = 0; i < len; i++) s += (i ? ':' : '') + HEX[buf[off + i]!]!;
  return s;
}

/** 'aa:bb:cc:dd:ee:ff' (or '-' / no separators) → bytes. */
export function macToBuffer(mac: string): Buffer {
  const hex = mac.replace(/[:-]/g, '');
  if (!/^([0-9a-fA-F]{2})+$/.test(hex) || hex.length > 32) throw new FleetlabError('DHCP_MALFORMED', `chaddr: '${mac}' is not a hardware address`);
  return Buffer.from(hex, 'hex');
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Write a colon/hyphen-separated (or bare) hex MAC into out[off…]; returns the byte count. */
function writeMac(out: Buffer, off: number, mac: string): number {
  let n = 0;
  let i = 0;
  while (i < mac.length) {
    const hi = hexVal(mac.charCodeAt(i));
    const lo = hexVal(mac.charCodeAt(i + 1));
    if (hi < 0 || lo < 0 || n >= 16) throw new FleetlabError('DHCP_MALFORMED', `DHCP packet malformed: chaddr: '${mac}' is not a hardware address`);
    out[off + n++] = (hi << 4) | lo;
    i += 2;
    const sep = mac.charCodeAt(i);
    if (sep === 58 || sep === 45) {
      i++;
      if (i >= mac.length) throw new FleetlabError('DHCP_MALFORMED', `DHCP packet malformed: chaddr: '${mac}' is not a hardware address`);
    }
  }
  return n;
}

function readCString(buf: Buffer, off: number, len: number): string {
  let end = off;
  const max = off + len;
  while (end < max && buf[end] !== 0) end++;
  return buf.toString('latin1', off, end);
}

// ---------- decode ----------

/** Parse options from buf[start, end) into `out`; repeated codes are concatenated (RFC 3396). */
function parseOptions(buf: Buffer, start: number, end: number, out: Map<number, Buffer>, where: string): void {
  let off = start;
  while (off < end) {
    const code = buf[off]!;
    if (code === 0) {
      off++;
      continue;
    }
    if (code === 255) return;
    if (off + 1 >= end) throw malformed(`${where}[${code}]: length byte missing at offset ${off + 1} (area ends at ${end})`);
    const len = buf[off + 1]!;
    const vs = off + 2;
    if (vs + len > end) throw malformed(`${where}[${code}]: length ${len} runs past end of ${where === 'options' ? 'packet' : where + ' field'} (offset ${end})`);
    const v = buf.subarray(vs, vs + len);
    const prev = out.get(code);
    out.set(code, prev ? Buffer.concat([prev, v]) : v);
    off = vs + len;
  }
  // RFC 2131 requires an END option; real clients always send it, but some relays truncate
  // trailing padding — a missing END after complete options is tolerated.
}

/** Decode a DHCP/BOOTP datagram. Option values are views into `buf` (copy if you keep them past the buffer's life). */
export function decodeDhcp(buf: Buffer): DhcpPacket {
  if (buf.length < 240) {
    if (buf.length < 236) throw malformed(`packet is ${buf.length} bytes, shorter than the 236-byte BOOTP header`);
    throw malformed(`magic cookie: packet is ${buf.length} bytes, no room for the cookie at offset 236`);
  }
  const op = buf[0]!;
  if (op !== 1 && op !== 2) throw malformed(`op: ${op} is neither 1 (BOOTREQUEST) nor 2 (BOOTREPLY)`);
  const hlen = buf[2]!;
  if (hlen > 16) throw malformed(`hlen: ${hlen} exceeds the 16-byte chaddr field`);
  const cookie = buf.readUInt32BE(236);
  if (cookie !== DHCP_MAGIC) throw malformed(`magic cookie: 0x${cookie.toString(16).padStart(8, '0')} at offset 236, expected 0x63825363`);
  const options = new Map<number, Buffer>();
  parseOptions(buf, 240, buf.length, options, 'options');
  let sname = '';
  let file = '';
  const ov = options.get(DhcpOption.OVERLOAD);
  const overload = ov && ov.length === 1 ? ov[0]! : 0;
  if (ov && ov.length !== 1) throw malformed(`options[52]: overload length ${ov.length}, expected 1`);
  if (overload & 1) parseOptions(buf, 108, 236, options, 'file');
  else file = readCString(buf, 108, 128);
  if (overload & 2) parseOptions(buf, 44, 108, options, 'sname');
  else sname = readCString(buf, 44, 64);
  return {
    op,
    htype: buf[1]!,
    hlen,
    hops: buf[3]!,
    xid: buf.readUInt32BE(4),
    secs: buf.readUInt16BE(8),
    flags: buf.readUInt16BE(10),
    ciaddr: readIp(buf, 12),
    yiaddr: readIp(buf, 16),
    siaddr: readIp(buf, 20),
    giaddr: readIp(buf, 24),
    chaddr: macToString(buf, 28, hlen),
    sname,
    file,
    options,
  };
}

// ---------- encode ----------

function optionsLength(options: Map<number, Buffer>): number {
  let n = 1; // END
  for (const [code, v] of options) {
    if (code === 0 || code === 255) continue;
    n += v.length === 0 ? 2 : v.length + 2 * Math.ceil(v.length / 255);
  }
  return n;
}

function writeOption(out: Buffer, off: number, code: number, v: Buffer): number {
  if (v.length === 0) {
    out[off++] = code;
    out[off++] = 0;
    return off;
  }
  for (let i = 0; i < v.length; i += 255) {
    const n = Math.min(255, v.length - i);
    out[off++] = code;
    out[off++] = n;
    v.copy(out, off, i, i + n);
    off += n;
  }
  return off;
}

function writeIp(out: Buffer, off: number, ip: string, field: string): void {
  let n: number;
  try {
    n = ipToU32(ip);
  } catch {
    throw malformed(`${field}: '${ip}' is not an IPv4 address`);
  }
  out.writeUInt32BE(n, off);
}

export function encodeDhcp(p: DhcpPacket): Buffer {
  const len = Math.max(DHCP_MIN_SIZE, 240 + optionsLength(p.options));
  const out = Buffer.alloc(len);
  out[0] = p.op;
  out[1] = p.htype;
  out[2] = p.hlen;
  out[3] = p.hops;
  out.writeUInt32BE(p.xid >>> 0, 4);
  out.writeUInt16BE(p.secs & 0xffff, 8);
  out.writeUInt16BE(p.flags & 0xffff, 10);
  writeIp(out, 12, p.ciaddr, 'ciaddr');
  writeIp(out, 16, p.yiaddr, 'yiaddr');
  writeIp(out, 20, p.siaddr, 'siaddr');
  writeIp(out, 24, p.giaddr, 'giaddr');
  writeMac(out, 28, p.chaddr);
  // latin1: one byte per UTF-16 unit, so .length is the byte length.
  if (p.sname.length > 63) throw malformed(`sname: ${p.sname.length} bytes do not fit the 64-byte field`);
  if (p.file.length > 127) throw malformed(`file: '${p.file}' (${p.file.length} bytes) does not fit the 128-byte field; use option 67`);
  if (p.sname) out.write(p.sname, 44, 'latin1');
  if (p.file) out.write(p.file, 108, 'latin1');
  out.writeUInt32BE(DHCP_MAGIC, 236);
  let off = 240;
  const mt = p.options.get(DhcpOption.MESSAGE_TYPE);
  if (mt) off = writeOption(out, off, DhcpOption.MESSAGE_TYPE, mt);
  for (const [code, v] of p.options) {
    if (code === DhcpOption.MESSAGE_TYPE || code === 0 || code === 255) continue;
    off = writeOption(out, off, code, v);
  }
  out[off] = 255;
  return out;
}

/** A fresh packet with zero addresses and no options. */
export function newPacket(op: 1 | 2, chaddr: string, xid: number): DhcpPacket {
  return {
    op,
    htype: 1,
    hlen: 6,
    hops: 0,
    xid,
    secs: 0,
    flags: 0,
    ciaddr: '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: '0.0.0.0',
    chaddr,
    sname: '',
    file: '',
    options: new Map(),
  };
}

// ---------- typed option access ----------

/** Message type (option 53) or null for plain BOOTP. */
export function messageType(p: DhcpPacket): number | null {
  const v = p.options.get(DhcpOption.MESSAGE_TYPE);
  return v && v.length === 1 ? v[0]! : null;
}

/** String option with trailing NULs stripped (RFC 2132 §2: receivers must tolerate them). */
export function optString(p: DhcpPacket, code: number): string | null {
  const v = p.options.get(code);
  if (!v) return null;
  let end = v.length;
  while (end > 0 && v[end - 1] === 0) end--;
  return v.toString('latin1', 0, end);
}

export function optIp(p: DhcpPacket, code: number): string | null {
  const v = p.options.get(code);
  return v && v.length >= 4 ? readIp(v, 0) : null;
}

export function optIps(p: DhcpPacket, code: number): string[] {
  const v = p.options.get(code);
  const out: string[] = [];
  if (v) for (let i = 0; i + 4 <= v.length; i += 4) out.push(readIp(v, i));
  return out;
}

export function optU32(p: DhcpPacket, code: number): number | null {
  const v = p.options.get(code);
  return v && v.length === 4 ? v.readUInt32BE(0) : null;
}

export function optU16(p: DhcpPacket, code: number): number | null {
  const v = p.options.get(code);
  return v && v.length === 2 ? v.readUInt16BE(0) : null;
}

export function optU8(p: DhcpPacket, code: number): number | null {
  const v = p.options.get(code);
  return v && v.length === 1 ? v[0]! : null;
}

/**
 * User class (77). RFC 3004 encodes it as length-prefixed instances, but iPXE and most PXE
 * stacks send the raw string ("iPXE"); accept both and return the first class.
 */
export function optUserClass(p: DhcpPacket): string | null {
  const v = p.options.get(DhcpOption.USER_CLASS);
  if (!v || v.length === 0) return null;
  const n = v[0]!;
  if (n > 0 && n + 1 === v.length && n < 32) {
    const s = v.toString('latin1', 1);
    if (/^[\x20-\x7e]+$/.test(s)) return s;
  }
  return optString(p, DhcpOption.USER_CLASS);
}

export function setBytes(p: DhcpPacket, code: number, v: Buffer | number[]): void {
  p.options.set(code, Buffer.isBuffer(v) ? v : Buffer.from(v));
}
export function setString(p: DhcpPacket, code: number, s: string): void {
  p.options.set(code, Buffer.from(s, 'latin1'));
}
export function setIp(p: DhcpPacket, code: number, ip: string | string[]): void {
  const list = Array.isArray(ip) ? ip : [ip];
  const b = Buffer.alloc(4 * list.length);
  list.forEach((a, i) => b.writeUInt32BE(ipToU32(a), 4 * i));
  p.options.set(code, b);
}
export function setU32(p: DhcpPacket, code: number, n: number): void {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  p.options.set(code, b);
}
export function setU16(p: DhcpPacket, code: number, n: number): void {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff, 0);
  p.options.set(code, b);
}
export function setU8(p: DhcpPacket, code: number, n: number): void {
  p.options.set(code, Buffer.from([n & 0xff]));
}
export function setMessageType(p: DhcpPacket, t: number): void {
  setU8(p, DhcpOption.MESSAGE_TYPE, t);
}

// ---------- option 82: relay agent information (RFC 3046, RFC 8357) ----------

export const RelayAgentSubOption = { CIRCUIT_ID: 1, REMOTE_ID: 2, RELAY_PORT: 19 } as const;

export interface RelayAgentInfo {
  circuitId?: Buffer | string;
  remoteId?: Buffer | string;
  /**
   * RFC 8357 relay source port. Its presence tells the server to answer to the UDP source port
   * of the relayed packet instead of 67; the value is the downstream port (0 from a first relay).
   */
  relayPort?: number;
}

export interface DecodedRelayAgentInfo {
  circuitId?: Buffer;
  remoteId?: Buffer;
  relayPort?: number;
  /** Every sub-option, including the ones above. */
  sub: Map<number, Buffer>;
}

export function encodeRelayAgentInfo(i: RelayAgentInfo): Buffer {
  const parts: Buffer[] = [];
  const add = (code: number, v: Buffer) => {
    if (v.length > 255) throw malformed(`options[82].sub[${code}]: ${v.length} bytes exceed 255`);
    parts.push(Buffer.from([code, v.length]), v);
  };
  const bytes = (v: Buffer | string) => (typeof v === 'string' ? Buffer.from(v, 'latin1') : v);
  if (i.circuitId !== undefined) add(1, bytes(i.circuitId));
  if (i.remoteId !== undefined) add(2, bytes(i.remoteId));
  if (i.relayPort !== undefined) {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(i.relayPort & 0xffff, 0);
    add(19, b);
  }
  return Buffer.concat(parts);
}

export function decodeRelayAgentInfo(buf: Buffer): DecodedRelayAgentInfo {
  const sub = new Map<number, Buffer>();
  let off = 0;
  while (off < buf.length) {
    const code = buf[off]!;
    if (off + 1 >= buf.length) throw malformed(`options[82].sub[${code}]: length byte missing at offset ${off + 1}`);
    const len = buf[off + 1]!;
    if (off + 2 + len > buf.length) throw malformed(`options[82].sub[${code}]: length ${len} runs past end of option 82 (${buf.length} bytes)`);
    sub.set(code, buf.subarray(off + 2, off + 2 + len));
    off += 2 + len;
  }
  const out: DecodedRelayAgentInfo = { sub };
  const c = sub.get(1);
  if (c) out.circuitId = c;
  const r = sub.get(2);
  if (r) out.remoteId = r;
  const rp = sub.get(19);
  // RFC 8357 relays send length 2 (downstream port); some implementations send it empty.
  if (rp) out.relayPort = rp.length >= 2 ? rp.readUInt16BE(0) : 0;
  return out;
}

/** True when option 82 carries the RFC 8357 relay-port sub-option (reply to the packet's source port). */
export function hasRelayPort(p: DhcpPacket): boolean {
  const v = p.options.get(DhcpOption.RELAY_AGENT_INFO);
  if (!v) return false;
  try {
    return decodeRelayAgentInfo(v).sub.has(19);
  } catch {
    return false;
  }
}

// ---------- what firmware sends ----------

export type PxeFirmware = 'bios' | 'uefi' | 'uefi-http';

/** Vendor class (60) strings exactly as the ROMs send them. */
export const PXE_VENDOR_CLASS: Record<PxeFirmware, string> = {
  bios: 'PXEClient:Arch:00000:UNDI:002001',
  uefi: 'PXEClient:Arch:00007:UNDI:003016',
  'uefi-http': 'HTTPClient:Arch:00016:UNDI:003000',
};
/** Client system architecture (93): 0 BIOS, 7 EFI x64, 16 EFI x64 HTTP. */
export const PXE_ARCH: Record<PxeFirmware, number> = { bios: 0, uefi: 7, 'uefi-http': 16 };
const PXE_NDI: Record<PxeFirmware, [number, number]> = { bios: [2, 1], uefi: [3, 16], 'uefi-http': [3, 0] };

/** Parameter request list (55) of a PXE ROM: 1,3,6,43,60,66,67,128-135 (+ 12, 13, 51, 54, 97 as EDK2/Intel send). */
export const PXE_PARAMETER_LIST = [1, 2, 3, 5, 6, 11, 12, 13, 15, 16, 17, 18, 22, 23, 28, 40, 41, 42, 43, 50, 51, 54, 58, 59, 60, 66, 67, 97, 128, 129, 130, 131, 132, 133, 134, 135];

/** 'xxxxxxxx-xxxx-...' → 16 bytes in the on-wire GUID order (first three fields little-endian, as SMBIOS/PXE send). */
export function uuidToBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new FleetlabError('DHCP_MALFORMED', `options[97]: '${uuid}' is not a UUID`);
  const b = Buffer.from(hex, 'hex');
  // GUID wire order: time_low, time_mid, time_hi are little-endian in SMBIOS and in PXE's option 97.
  b.subarray(0, 4).reverse();
  b.subarray(4, 6).reverse();
  b.subarray(6, 8).reverse();
  return b;
}

export function bytesToUuid(b: Buffer): string {
  const c = Buffer.from(b.subarray(0, 16));
  c.subarray(0, 4).reverse();
  c.subarray(4, 6).reverse();
  c.subarray(6, 8).reverse();
  const h = c.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** UUID from option 97 (type 0 + 16 bytes), or null. */
export function optUuid(p: DhcpPacket): string | null {
  const v = p.options.get(DhcpOption.CLIENT_UUID);
  return v && v.length === 17 && v[0] === 0 ? bytesToUuid(v.subarray(1)) : null;
}

/**
 * Options a PXE ROM puts in DISCOVER/REQUEST (besides 53/50/54/61 which depend on the exchange):
 * 55, 57 (1260 BIOS / 1472 UEFI), 60, 93, 94, 97. Insertion order follows what EDK2 emits.
 */
export function pxeClientOptions(firmware: PxeFirmware, uuid: string): Map<number, Buffer> {
  const m = new Map<number, Buffer>();
  const mss = Buffer.alloc(2);
  mss.writeUInt16BE(firmware === 'bios' ? 1260 : 1472, 0);
  m.set(DhcpOption.MAX_MESSAGE_SIZE, mss);
  m.set(DhcpOption.PARAMETER_LIST, Buffer.from(PXE_PARAMETER_LIST));
  const arch = Buffer.alloc(2);
  arch.writeUInt16BE(PXE_ARCH[firmware], 0);
  m.set(DhcpOption.CLIENT_ARCH, arch);
  const [maj, min] = PXE_NDI[firmware];
  m.set(DhcpOption.CLIENT_NDI, Buffer.from([1, maj, min]));
  m.set(DhcpOption.CLIENT_UUID, Buffer.concat([Buffer.from([0]), uuidToBytes(uuid)]));
  m.set(DhcpOption.VENDOR_CLASS, Buffer.from(PXE_VENDOR_CLASS[firmware], 'latin1'));
  return m;
}

/**
 * iPXE's own DHCP: the PXE set plus 77 user class (raw string, as iPXE sends it) and 175
 * (iPXE encapsulated options: a few feature flags and the build's bus id).
 * `userClass` defaults to 'iPXE' (Tinkerbell's build sends 'Tinkerbell').
 */
export function ipxeClientOptions(firmware: PxeFirmware, uuid: string, userClass = 'iPXE'): Map<number, Buffer> {
  const m = pxeClientOptions(firmware, uuid);
  // iPXE asks for its encapsulated space too.
  m.set(DhcpOption.PARAMETER_LIST, Buffer.from([...PXE_PARAMETER_LIST, 175, 203]));
  m.set(DhcpOption.USER_CLASS, Buffer.from(userClass, 'latin1'));
  // 175 feature flags (each code, len 1, value 1): 0x13 HTTP, 0x15 TFTP, 0x17 DNS, 0x18 bzImage,
  // 0x21 PXE; 0x24 EFI on UEFI builds.
  const feat = [0x13, 1, 1, 0x15, 1, 1, 0x17, 1, 1, 0x18, 1, 1, 0x21, 1, 1];
  if (firmware !== 'bios') feat.push(0x24, 1, 1);
  m.set(DhcpOption.IPXE_ENCAP, Buffer.from(feat));
  return m;
}
