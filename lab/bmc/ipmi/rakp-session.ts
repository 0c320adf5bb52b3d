/**
 * RMCP+ session establishment (Open Session, RAKP 1–4) and the per-BMC session table.
 *
 *   console                                   BMC (this file)
 *   Open Session Req (suite, SIDm) ────────▶  pick suite, allocate SIDc         state 'opened'
 *                       ◀──────── Open Session Rsp (SIDc)
 *   RAKP1 (SIDc, Rm, role, user) ──────────▶  look up user; Rc; HMAC_Kuid(...)  state 'rakp2'
 *                       ◀──────── RAKP2 (Rc, GUIDc, HMAC)      — console checks our HMAC:
 *                                                                 wrong password fails here
 *   RAKP3 (HMAC_Kuid(Rc,SIDm,…)) ──────────▶  verify; SIK, K1, K2               state 'active'
 *                       ◀──────── RAKP4 (ICV = HMAC_SIK(Rm,SIDc,GUIDc))
 *
 * IPMI 1.5 sessions (Get Session Challenge → Activate Session with an MD5 AuthCode) share the
 * table, its limit and its timeouts; they carry `v15` instead of RMCP+ keys.
 *
 * No timers: sessions remember their last activity and `expire(now)` drops idle ones whenever
 * the BMC is touched. When the table is full, the oldest *unauthenticated* session makes room
 * (so a flood of Open Session requests cannot lock real users out); active sessions never do.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { CipherSuite, SessionKeys } from './cipher-suite.ts';
import { deriveKeys, findSuite, hmac, rakp4IcvLength, userKey } from './cipher-suite.ts';
import { checkAuthCode15 } from './rmcp-packet.ts';
import { ipmiCompletion } from '../../base/errors.ts';

/** RMCP+ status codes (IPMI v2.0 table 13-15). */
export const RAKP_STATUS = {
  ok: 0x00,
  noResources: 0x01,
  invalidSessionId: 0x02,
  invalidRole: 0x09,
  unauthorizedRole: 0x0a,
  invalidNameLength: 0x0c,
  unauthorizedName: 0x0d,
  invalidIntegrityCheck: 0x0f,
  noCipherSuiteMatch: 0x11,
  illegalParameter: 0x12,
} as const;

export const PRIV = { callback: 1, user: 2, operator: 3, admin: 4, oem: 5 } as const;

export interface RakpUser {
  username: string;
  password: string;
  /** Highest privilege this user may reach (our BMC users are administrators). */
  maxPriv: number;
}

export interface Session {
  bmcSid: number;
  consoleSid: number;
  suite: CipherSuite;
  state: 'challenge' | 'opened' | 'rakp2' | 'active';
  /** IPMI 1.5 session: its auth type and the challenge handed out by Get Session Challenge. */
  v15?: { authType: number; challenge: Buffer };
  /** Max privilege granted by Open Session, then by RAKP1's role. */
  maxPriv: number;
  priv: number;
  role: number;
  username: Buffer;
  rm: Buffer;
  rc: Buffer;
  keys?: SessionKeys;
  outSeq: number;
  inHigh: number;
  /** Bit i set = seq (inHigh - 1 - i) already received (i < 16). */
  inSeen: number;
  lastActive: number;
}

export interface RakpContext {
  user: RakpUser;
  guid: Buffer;
  allowCipherZero: boolean;
  /** Fault: refuse valid credentials in RAKP2. */
  authFailure: boolean;
  now: number;
}

const SEQ_WINDOW = 16;

/**
 * The 8-byte error reply the Open Session Response and RAKP 2/4 share: message tag, status code,
 * reserved, console session id (IPMI v2.0 §13.18, 13.21, 13.23).
 */
function rakpError(tag: number, status: number, consoleSid: number): { payload: Buffer; status: number } {
  const b = Buffer.alloc(8);
  b[0] = tag;
  b[1] = status;
  b.writeUInt32LE(consoleSid >>> 0, 4);
  return { payload: b, status };
}

export class SessionTable {
  private readonly sessions = new Map<number, Session>();

  constructor(
    private readonly maxSessions: number,
    private readonly timeoutMs: number,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  activeCount(): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.state === 'active') n++;
    return n;
  }

  /** Drop idle sessions; unauthenticated ones after at most 10 s. */
  expire(now: number): void {
    for (const [id, s] of this.sessions) {
      const limit = s.state === 'active' ? this.timeoutMs : Math.min(this.timeoutMs, 10_000);
      if (now - s.lastActive > limit) this.sessions.delete(id);
    }
  }

  clear(): void {
    this.sessions.clear();
  }

  get(bmcSid: number): Session | undefined {
    return this.sessions.get(bmcSid);
  }

  close(bmcSid: number): boolean {
    return this.sessions.delete(bmcSid);
  }

  /** Open Session Request (payload 0x10) → response payload (0x11) and the RMCP+ status. */
  openSession(req: Buffer, ctx: RakpContext): { payload: Buffer; status: number } {
    const tag = req[0] ?? 0;
    const fail = (status: number, consoleSid = 0) => rakpError(tag, status, consoleSid);
    if (req.length !== 32) return fail(RAKP_STATUS.illegalParameter);
    const consoleSid = req.readUInt32LE(4);
    const alg = (at: number, type: number): number | undefined => (req[at] === type && req[at + 3] === 8 ? req[at + 4]! & 0x3f : undefined);
    const auth = alg(8, 0x00);
    const integ = alg(16, 0x01);
    const conf = alg(24, 0x02);
    if (auth === undefined || integ === undefined || conf === undefined) return fail(RAKP_STATUS.illegalParameter, consoleSid);
    if (consoleSid === 0) return fail(RAKP_STATUS.invalidSessionId, consoleSid);
    const suite = findSuite(auth, integ, conf, ctx.allowCipherZero);
    if (!suite) return fail(RAKP_STATUS.noCipherSuiteMatch, consoleSid);
    const requested = req[1]! & 0x0f;
    if (requested > PRIV.oem) return fail(RAKP_STATUS.invalidRole, consoleSid);
    if (requested > ctx.user.maxPriv) return fail(RAKP_STATUS.unauthorizedRole, consoleSid);
    this.expire(ctx.now);
    if (!this.makeRoom()) return fail(RAKP_STATUS.noResources, consoleSid);
    let bmcSid = 0;
    while (bmcSid === 0 || this.sessions.has(bmcSid)) bmcSid = randomBytes(4).readUInt32LE(0);
    const maxPriv = requested === 0 ? ctx.user.maxPriv : requested;
    this.sessions.set(bmcSid, {
      bmcSid,
      consoleSid,
      suite,
      state: 'opened',
      maxPriv,
      priv: 0,
      role: 0,
      username: Buffer.alloc(0),
      rm: Buffer.alloc(0),
      rc: Buffer.alloc(0),
      outSeq: 0,
      inHigh: 0,
      inSeen: 0,
      lastActive: ctx.now,
    });
    const b = Buffer.alloc(36);
    b[0] = tag;
    b[1] = RAKP_STATUS.ok;
    b[2] = maxPriv;
    b.writeUInt32LE(consoleSid, 4);
    b.writeUInt32LE(bmcSid, 8);
    b.set([0x00, 0, 0, 8, suite.auth], 12);
    b.set([0x01, 0, 0, 8, suite.integrity], 20);
    b.set([0x02, 0, 0, 8, suite.conf], 28);
    return { payload: b, status: RAKP_STATUS.ok };
  }

  /** RAKP Message 1 (0x12) → RAKP Message 2 (0x13). */
  rakp1(req: Buffer, ctx: RakpContext): { payload: Buffer; status: number } {
    const tag = req[0] ?? 0;
    const fail = (status: number, consoleSid = 0) => rakpError(tag, status, consoleSid);
    if (req.length < 28) return fail(RAKP_STATUS.illegalParameter);
    const s = this.sessions.get(req.readUInt32LE(4));
    if (!s || s.state === 'active') return fail(RAKP_STATUS.invalidSessionId);
    const ulen = req[27]!;
    if (ulen > 16 || req.length !== 28 + ulen) return fail(RAKP_STATUS.invalidNameLength, s.consoleSid);
    const role = req[24]!;
    const priv = role & 0x0f;
    s.lastActive = ctx.now;
    if (priv === 0 || priv > PRIV.oem) return fail(RAKP_STATUS.invalidRole, s.consoleSid);
    const username = req.subarray(28, 28 + ulen);
    const known = Buffer.from(ctx.user.username, 'utf8');
    if (ulen === 0 || !username.equals(known) || ctx.authFailure) {
      this.sessions.delete(s.bmcSid);
      return fail(RAKP_STATUS.unauthorizedName, s.consoleSid);
    }
    if (priv > s.maxPriv || priv > ctx.user.maxPriv) {
      this.sessions.delete(s.bmcSid);
      return fail(RAKP_STATUS.unauthorizedRole, s.consoleSid);
    }
    s.rm = Buffer.from(req.subarray(8, 24));
    s.rc = randomBytes(16);
    s.role = role;
    s.maxPriv = priv;
    s.username = Buffer.from(username);
    s.state = 'rakp2';
    const kuid = userKey(ctx.user.password);
    const code =
      s.suite.auth === 0
        ? Buffer.alloc(0)
        : hmac(s.suite.auth, kuid, u32(s.consoleSid), u32(s.bmcSid), s.rm, s.rc, ctx.guid, Buffer.from([role, ulen]), s.username);
    const b = Buffer.alloc(40 + code.length);
    b[0] = tag;
    b[1] = RAKP_STATUS.ok;
    b.writeUInt32LE(s.consoleSid, 4);
    s.rc.copy(b, 8);
    ctx.guid.copy(b, 24);
    code.copy(b, 40);
    return { payload: b, status: RAKP_STATUS.ok };
  }

  /** RAKP Message 3 (0x14) → RAKP Message 4 (0x15); the session becomes active on success. */
  rakp3(req: Buffer, ctx: RakpContext): { payload: Buffer; status: number } {
    const tag = req[0] ?? 0;
    const fail = (status: number, consoleSid = 0) => rakpError(tag, status, consoleSid);
    if (req.length < 8) return fail(RAKP_STATUS.illegalParameter);
    const s = this.sessions.get(req.readUInt32LE(4));
    if (!s || s.state !== 'rakp2') return fail(RAKP_STATUS.invalidSessionId);
    if (req[1] !== RAKP_STATUS.ok) {
      // The console rejected our RAKP2 (e.g. its password differs): the session is abandoned.
      this.sessions.delete(s.bmcSid);
      return fail(req[1]!, s.consoleSid);
    }
    const kuid = userKey(ctx.user.password);
    const roleBuf = Buffer.from([s.role, s.username.length]);
    if (s.suite.auth !== 0) {
      const expect = hmac(s.suite.auth, kuid, s.rc, u32(s.consoleSid), roleBuf, s.username);
      const got = req.subarray(8);
      if (got.length !== expect.length || !timingSafeEqual(got, expect)) {
        this.sessions.delete(s.bmcSid);
        return fail(RAKP_STATUS.invalidIntegrityCheck, s.consoleSid);
      }
    }
    const sik = s.suite.auth === 0 ? Buffer.alloc(0) : hmac(s.suite.auth, kuid, s.rm, s.rc, roleBuf, s.username);
    s.keys = deriveKeys(s.suite, sik);
    s.state = 'active';
    s.priv = Math.min(PRIV.user, s.maxPriv);
    s.lastActive = ctx.now;
    const icvLen = rakp4IcvLength(s.suite.auth);
    const icv = s.suite.auth === 0 ? Buffer.alloc(0) : hmac(s.suite.auth, sik, s.rm, u32(s.bmcSid), ctx.guid).subarray(0, icvLen);
    const b = Buffer.alloc(8 + icv.length);
    b[0] = tag;
    b[1] = RAKP_STATUS.ok;
    b.writeUInt32LE(s.consoleSid, 4);
    icv.copy(b, 8);
    return { payload: b, status: RAKP_STATUS.ok };
  }

  /**
   * IPMI 1.5 Get Session Challenge (App 0x39): a temporary session and a 16-byte challenge.
   * Returns an IPMI completion code and response data.
   */
  getSessionChallenge(data: Buffer, ctx: RakpContext, authTypes: readonly number[]): { cc: number; data?: Buffer } {
    if (data.length < 17) return { cc: ipmiCompletion('BMC_REQUEST_LENGTH') };
    const authType = data[0]! & 0x0f;
    if (!authTypes.includes(authType)) return { cc: ipmiCompletion('BMC_PROPERTY_VALUE') };
    const name = data.subarray(1, 17);
    const end = name.indexOf(0);
    const username = name.subarray(0, end < 0 ? 16 : end);
    if (username.length === 0 || !username.equals(Buffer.from(ctx.user.username, 'utf8')) || ctx.authFailure) return { cc: ipmiCompletion('BMC_USER_UNKNOWN') };
    this.expire(ctx.now);
    if (!this.makeRoom()) return { cc: ipmiCompletion('BMC_SESSION_LIMIT') };
    let bmcSid = 0;
    while (bmcSid === 0 || this.sessions.has(bmcSid)) bmcSid = randomBytes(4).readUInt32LE(0);
    const challenge = randomBytes(16);
    this.sessions.set(bmcSid, {
      bmcSid,
      consoleSid: 0,
      suite: { id: -1, auth: 0, integrity: 0, conf: 0 }, // no RMCP+ suite: IPMI 1.5 uses v15.authType
      state: 'challenge',
      v15: { authType, challenge },
      maxPriv: ctx.user.maxPriv,
      priv: 0,
      role: 0,
      username: Buffer.from(username),
      rm: Buffer.alloc(0),
      rc: Buffer.alloc(0),
      outSeq: 0,
      inHigh: 0,
      inSeen: 0,
      lastActive: ctx.now,
    });
    const out = Buffer.alloc(20);
    out.writeUInt32LE(bmcSid, 0);
    challenge.copy(out, 4);
    return { cc: 0, data: out };
  }

  /**
   * IPMI 1.5 Activate Session (App 0x3A), sent inside the temporary session. A wrong AuthCode
   * (wrong password) is dropped without an answer, as the spec wants for unauthenticated packets.
   */
  activateSession(
    hdr: { authType: number; sessionId: number; seq: number; authCode: Buffer; msg: Buffer },
    data: Buffer,
    ctx: RakpContext,
  ): { drop: string } | { cc: number; data?: Buffer; session?: Session } {
    const s = this.sessions.get(hdr.sessionId);
    if (!s || s.state !== 'challenge' || !s.v15) return { drop: 'ipmi15.sessionId: no pending challenge' };
    const pw16 = password16(ctx.user.password);
    if (hdr.authType !== s.v15.authType || !checkAuthCode15(hdr, pw16)) {
      this.sessions.delete(s.bmcSid);
      return { drop: 'ipmi15.authCode: wrong password or auth type' };
    }
    if (data.length < 22) return { cc: ipmiCompletion('BMC_REQUEST_LENGTH') };
    if ((data[0]! & 0x0f) !== s.v15.authType || !data.subarray(2, 18).equals(s.v15.challenge)) return { cc: ipmiCompletion('BMC_PROPERTY_VALUE') };
    const maxPriv = data[1]! & 0x0f;
    if (maxPriv === 0 || maxPriv > ctx.user.maxPriv) return { cc: ipmiCompletion('BMC_PRIVILEGE_EXCEEDED') };
    const initialInbound = (randomBytes(4).readUInt32LE(0) & 0x7fffffff) | 1;
    s.state = 'active';
    s.maxPriv = maxPriv;
    s.priv = Math.min(PRIV.user, maxPriv);
    s.outSeq = data.readUInt32LE(18); // our first message (this answer) carries it
    s.inHigh = initialInbound - 1;
    s.inSeen = 0;
    s.lastActive = ctx.now;
    const out = Buffer.alloc(10);
    out[0] = s.v15.authType;
    out.writeUInt32LE(s.bmcSid, 1);
    out.writeUInt32LE(initialInbound, 5);
    out[9] = maxPriv;
    return { cc: 0, data: out, session: s };
  }

  /**
   * Accept an inbound session sequence number: new, within 16 below the highest seen, or ahead
   * of it (replays and stale packets are dropped, IPMI v2.0 §6.12.13).
   */
  acceptSeq(s: Session, seq: number): boolean {
    if (seq === 0) return false;
    if (s.inHigh === 0) {
      s.inHigh = seq;
      s.inSeen = 0;
      return true;
    }
    const ahead = (seq - s.inHigh) >>> 0;
    if (ahead !== 0 && ahead <= 0x7fffffff) {
      if (ahead > SEQ_WINDOW * 16) return false;
      s.inSeen = ahead >= SEQ_WINDOW ? 0 : ((s.inSeen << ahead) | (1 << (ahead - 1))) & 0xffff;
      s.inHigh = seq;
      return true;
    }
    const behind = (s.inHigh - seq) >>> 0;
    if (behind === 0 || behind > SEQ_WINDOW) return false;
    const bit = 1 << (behind - 1);
    if (s.inSeen & bit) return false;
    s.inSeen |= bit;
    return true;
  }

  private makeRoom(): boolean {
    if (this.sessions.size < this.maxSessions) return true;
    let oldest: Session | undefined;
    for (const s of this.sessions.values()) if (s.state !== 'active' && (!oldest || s.lastActive < oldest.lastActive)) oldest = s;
    if (!oldest) return false;
    this.sessions.delete(oldest.bmcSid);
    return true;
  }
}

/** IPMI 1.5 passwords are 16 bytes, zero-padded. */
export function password16(password: string): Buffer {
  const b = Buffer.alloc(16);
  Buffer.from(password, 'utf8').copy(b, 0, 0, 16);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}
