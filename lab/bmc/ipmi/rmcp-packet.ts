/**
 * RMCP framing, the IPMI 1.5 session wrapper (MD5 / straight-password auth codes) and the IPMI
 * 2.0 / RMCP+ wrapper.
 *
 *   UDP ─▶ RMCP header (4) ─┬─ class 0x06 ASF: presence ping ─▶ pong
 *                           └─ class 0x07 IPMI ─┬─ authType 0/2/4 (v1.5): seq, SID, [AuthCode], IPMI msg
 *                                               └─ authType 0x06 (v2.0): payloadType, SID, seq,
 *                                                  len, payload [pad, padLen, 0x07, AuthCode]
 *
 * Parsing never throws: a packet that does not fit the layout is `{kind: 'malformed', reason}`
 * with the field that broke. The v2.0 integrity check and decryption need the session's keys, so
 * `parseRmcp` only splits the packet and `openV2` verifies/decrypts once the session is known.
 * Multi-byte fields are little-endian (IPMI), except the ASF IANA number (big-endian, ASF spec).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { SessionKeys } from './cipher-suite.ts';
import { authCodeLength, decryptPayload, encryptPayload, hmac } from './cipher-suite.ts';

export const RMCP_CLASS_ASF = 0x06;
export const RMCP_CLASS_IPMI = 0x07;
const ASF_IANA = 4542;

export const PAYLOAD_IPMI = 0x00;
export const PAYLOAD_OPEN_SESSION_REQ = 0x10;
export const PAYLOAD_OPEN_SESSION_RSP = 0x11;
export const PAYLOAD_RAKP1 = 0x12;
export const PAYLOAD_RAKP2 = 0x13;
export const PAYLOAD_RAKP3 = 0x14;
export const PAYLOAD_RAKP4 = 0x15;

export type RmcpPacket =
  | { kind: 'asf-ping'; rmcpSeq: number; tag: number }
  | { kind: 'v15'; authType: number; sessionId: number; seq: number; authCode: Buffer; msg: Buffer }
  | V2Packet
  | { kind: 'ignored'; reason: string }
  | { kind: 'malformed'; reason: string };

export interface V2Packet {
  kind: 'v20';
  payloadType: number;
  encrypted: boolean;
  authenticated: boolean;
  sessionId: number;
  seq: number;
  /** Payload as on the wire (still encrypted when `encrypted`). */
  payload: Buffer;
  /** The whole datagram, for the integrity check. */
  raw: Buffer;
}

export function parseRmcp(buf: Buffer): RmcpPacket {
  if (buf.length < 4) return { kind: 'malformed', reason: 'rmcp.header: shorter than 4 bytes' };
  if (buf[0] !== 0x06) return { kind: 'malformed', reason: `rmcp.version: 0x${hex(buf[0]!)} (expected 0x06)` };
  const cls = buf[3]!;
  if (cls & 0x80) return { kind: 'ignored', reason: 'rmcp ack' };
  if ((cls & 0x1f) === RMCP_CLASS_ASF) {
    if (buf.length < 12) return { kind: 'malformed', reason: 'asf: shorter than 12 bytes' };
    if (buf.readUInt32BE(4) !== ASF_IANA) return { kind: 'malformed', reason: 'asf.iana: not 4542' };
    if (buf[8] !== 0x80) return { kind: 'ignored', reason: `asf type 0x${hex(buf[8]!)}` };
    return { kind: 'asf-ping', rmcpSeq: buf[2]!, tag: buf[9]! };
  }
  if ((cls & 0x1f) !== RMCP_CLASS_IPMI) return { kind: 'malformed', reason: `rmcp.class: 0x${hex(cls)}` };
  if (buf.length < 5) return { kind: 'malformed', reason: 'ipmi session: missing auth type' };
  const authType = buf[4]! & 0x0f;
  if (authType === 0x06) return parseV2(buf);
  // IPMI 1.5: authType, seq(4), SID(4), [AuthCode(16) unless authType 0], len(1), msg.
  const codeLen = authType === 0 ? 0 : 16;
  const lenAt = 13 + codeLen;
  if (buf.length < lenAt + 1) return { kind: 'malformed', reason: 'ipmi15: truncated session header' };
  const len = buf[lenAt]!;
  if (buf.length < lenAt + 1 + len) return { kind: 'malformed', reason: `ipmi15.length: ${len} exceeds packet` };
  return {
    kind: 'v15',
    authType,
    seq: buf.readUInt32LE(5),
    sessionId: buf.readUInt32LE(9),
    authCode: buf.subarray(13, 13 + codeLen),
    msg: buf.subarray(lenAt + 1, lenAt + 1 + len),
  };
}

function parseV2(buf: Buffer): RmcpPacket {
  if (buf.length < 16) return { kind: 'malformed', reason: 'rmcp+: truncated session header' };
  const pt = buf[5]!;
  const payloadType = pt & 0x3f;
  let off = 6;
  if (payloadType === 0x02) off += 6; // OEM explicit: IANA(4) + OEM payload id(2)
  if (buf.length < off + 10) return { kind: 'malformed', reason: 'rmcp+: truncated session header' };
  const sessionId = buf.readUInt32LE(off);
  const seq = buf.readUInt32LE(off + 4);
  const len = buf.readUInt16LE(off + 8);
  const start = off + 10;
  if (buf.length < start + len) return { kind: 'malformed', reason: `rmcp+.payloadLength: ${len} exceeds packet` };
  return {
    kind: 'v20',
    payloadType,
    encrypted: (pt & 0x80) !== 0,
    authenticated: (pt & 0x40) !== 0,
    sessionId,
    seq,
    payload: buf.subarray(start, start + len),
    raw: buf,
  };
}

/**
 * Verify the AuthCode trailer and decrypt an in-session v2.0 packet. Returns the plain payload,
 * or a reason string when the packet must be dropped (spec: silently, no answer).
 */
export function openV2(p: V2Packet, keys: SessionKeys): Buffer | string {
  const { suite } = keys;
  if (suite.integrity !== 0) {
    if (!p.authenticated) return 'rmcp+.payloadType: unauthenticated packet in an integrity-protected session';
    const codeLen = authCodeLength(suite.integrity);
    const end = p.raw.length - codeLen;
    const payloadEnd = p.payload.byteOffset - p.raw.byteOffset + p.payload.length;
    // After the payload: pad (0–3 bytes of 0xFF), pad length, next header 0x07.
    if (end - 2 < payloadEnd) return 'rmcp+.trailer: missing';
    const padLen = p.raw[end - 2]!;
    if (p.raw[end - 1] !== 0x07 || padLen > 3 || payloadEnd + padLen !== end - 2) return 'rmcp+.trailer: bad pad length / next header';
    const mac = hmac(suite.integrity, keys.k1, p.raw.subarray(4, end)).subarray(0, codeLen);
    if (!timingSafeEqual(mac, p.raw.subarray(end))) return 'rmcp+.authCode: integrity check failed';
  }
  if (suite.conf !== 0) {
    if (!p.encrypted) return 'rmcp+.payloadType: unencrypted packet in a confidential session';
    const plain = decryptPayload(keys.aesKey, p.payload);
    return plain ?? 'rmcp+.payload: bad confidentiality pad';
  }
  return p.payload;
}

const RMCP_IPMI_HEADER = Buffer.from([0x06, 0x00, 0xff, RMCP_CLASS_IPMI]);

export function buildAsfPong(rmcpSeq: number, tag: number): Buffer {
  const b = Buffer.alloc(28);
  b.set([0x06, 0x00, rmcpSeq, RMCP_CLASS_ASF]);
  b.writeUInt32BE(ASF_IANA, 4);
  b[8] = 0x40; // presence pong
  b[9] = tag;
  b[11] = 16; // data length
  b.writeUInt32BE(ASF_IANA, 12);
  b[20] = 0x81; // supported entities: IPMI supported, ASF 1.0
  return b;
}

/** Pre-session IPMI 1.5 packet: auth type none, session 0. */
export function buildV15(msg: Buffer): Buffer {
  const b = Buffer.alloc(14 + msg.length);
  RMCP_IPMI_HEADER.copy(b);
  b[13] = msg.length;
  msg.copy(b, 14);
  return b;
}

export const AUTH15_NONE = 0;
export const AUTH15_MD5 = 2;
export const AUTH15_PASSWORD = 4;

/**
 * IPMI 1.5 AuthCode (§22.17): MD5(pw ‖ SID ‖ msg ‖ seq ‖ pw) or the password itself, with the
 * password zero-padded to 16 bytes.
 */
export function authCode15(authType: number, password16: Buffer, sessionId: number, seq: number, msg: Buffer): Buffer {
  if (authType === AUTH15_PASSWORD) return password16;
  const sid = Buffer.alloc(4);
  sid.writeUInt32LE(sessionId >>> 0);
  const sq = Buffer.alloc(4);
  sq.writeUInt32LE(seq >>> 0);
  return createHash('md5').update(password16).update(sid).update(msg).update(sq).update(password16).digest();
}

/** Verify an inbound IPMI 1.5 AuthCode in constant time. */
export function checkAuthCode15(p: { authType: number; sessionId: number; seq: number; authCode: Buffer; msg: Buffer }, password16: Buffer): boolean {
  const want = authCode15(p.authType, password16, p.sessionId, p.seq, p.msg);
  return p.authCode.length === 16 && timingSafeEqual(want, p.authCode);
}

/** In-session IPMI 1.5 packet with its AuthCode. */
export function buildV15Session(authType: number, sessionId: number, seq: number, msg: Buffer, password16: Buffer): Buffer {
  const code = authType === AUTH15_NONE ? Buffer.alloc(0) : authCode15(authType, password16, sessionId, seq, msg);
  const b = Buffer.alloc(14 + code.length + msg.length);
  RMCP_IPMI_HEADER.copy(b);
  b[4] = authType;
  b.writeUInt32LE(seq >>> 0, 5);
  b.writeUInt32LE(sessionId >>> 0, 9);
  code.copy(b, 13);
  b[13 + code.length] = msg.length;
  msg.copy(b, 14 + code.length);
  return b;
}

/** RMCP+ packet; with keys, encrypted and/or authenticated as the session's suite says. */
export function buildV2(payloadType: number, sessionId: number, seq: number, payload: Buffer, keys?: SessionKeys): Buffer {
  const conf = keys !== undefined && keys.suite.conf !== 0;
  const integ = keys !== undefined && keys.suite.integrity !== 0;
  const body = conf ? encryptPayload(keys.aesKey, payload) : payload;
  const headerLen = 16;
  let total = headerLen + body.length;
  let padLen = 0;
  const codeLen = integ ? authCodeLength(keys.suite.integrity) : 0;
  if (integ) {
    // Integrity pad: (authType … next header) is a multiple of 4 bytes.
    padLen = (4 - ((total - 4 + 2) % 4)) % 4;
    total += padLen + 2 + codeLen;
  }
  const b = Buffer.alloc(total);
  RMCP_IPMI_HEADER.copy(b);
  b[4] = 0x06;
  b[5] = payloadType | (conf ? 0x80 : 0) | (integ ? 0x40 : 0);
  b.writeUInt32LE(sessionId >>> 0, 6);
  b.writeUInt32LE(seq >>> 0, 10);
  b.writeUInt16LE(body.length, 14);
  body.copy(b, 16);
  if (integ) {
    let o = headerLen + body.length;
    for (let i = 0; i < padLen; i++) b[o++] = 0xff;
    b[o++] = padLen;
    b[o++] = 0x07;
    hmac(keys.suite.integrity, keys.k1, b.subarray(4, o)).copy(b, o, 0, codeLen);
  }
  return b;
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
