/**
 * IPMI-over-LAN BMC emulator: one process, one UDP socket per BMC address, RMCP+ (lanplus) with
 * RAKP authentication and cipher suites 3 and 17, IPMI 1.5 sessions with MD5 AuthCodes, and the
 * commands of ipmi-commands.ts.
 *
 *   UDP datagram (socket i = systems[i])
 *     └─ parseRmcp ─┬─ malformed ───────────────▶ drop + rate-limited bmc.request 'malformed' (malformed-limiter.ts)
 *                   ├─ ASF ping ─────────────────▶ pong
 *                   ├─ session 0: pre-session IPMI msg (v1.5 or v2.0) ─▶ auth caps / cipher suites
 *                   │             Open Session / RAKP1 / RAKP3 ───────▶ rakp-session.ts
 *                   │             v1.5 Get Session Challenge ─────────▶ rakp-session.ts
 *                   ├─ v1.5 session N: Activate Session | MD5 AuthCode ✓, seq ✓ ─▶ command
 *                   └─ session N: integrity ✓, decrypt, seq window ✓ ─▶ command ─▶ encrypted reply
 *     every answered request ──▶ bmc.request {bmc, proto: 'ipmi', op, status: cc or RAKP status, ms}
 *
 * Scale: 10,000 BMCs are 10,000 sockets and a sparse array; a BMC's state (BmcState) exists
 * only once it received a packet, and no BMC owns a timer (deadlines are checked lazily).
 * Faults (`BmcSystem.faults`) are read per packet: hang = no answer, slowMs delays the answer,
 * errorRate answers a command with an error completion code, authFailure fails RAKP.
 * Nothing a client sends can throw out of the packet handler.
 */
import dgram from 'node:dgram';
import type { BmcSystem } from '../bmc-system.ts';
import type { EventSink } from '../../base/event.ts';
import type { Clock } from '../../base/clock.ts';
import { realClock } from '../../base/clock.ts';
import type { Rng } from '../../base/rng.ts';
import { createRng } from '../../base/rng.ts';
import { ERRORS, FleetlabError, ipmiCompletion, ipmiCompletionForStatus } from '../../base/errors.ts';
import type { PowerOp } from '../../base/machine.ts';
import { BmcState } from './bmc-state.ts';
import { MalformedLimiter } from './malformed-limiter.ts';
import type { CommandContext, CommandResult } from './ipmi-commands.ts';
import { findCommand, unknownOp } from './ipmi-commands.ts';
import { buildIpmiResponse, parseIpmiRequest } from './ipmi-message.ts';
import type { RakpContext, Session } from './rakp-session.ts';
import { PRIV, password16 } from './rakp-session.ts';
import type { RmcpPacket, V2Packet } from './rmcp-packet.ts';
import {
  AUTH15_MD5,
  buildV15Session,
  checkAuthCode15,
  PAYLOAD_IPMI,
  PAYLOAD_OPEN_SESSION_REQ,
  PAYLOAD_OPEN_SESSION_RSP,
  PAYLOAD_RAKP1,
  PAYLOAD_RAKP2,
  PAYLOAD_RAKP3,
  PAYLOAD_RAKP4,
  buildAsfPong,
  buildV15,
  buildV2,
  openV2,
  parseRmcp,
} from './rmcp-packet.ts';

export interface IpmiServerOptions {
  /** Each with `ipmi: {host, port}`; systems without one get 127.0.0.1 and an ephemeral port. */
  systems: BmcSystem[];
  events?: EventSink;
  /** Offer and accept cipher suite 0 (no authentication). Default false, as hardened BMCs. */
  allowCipherZero?: boolean;
  /**
   * IPMI 1.5 sessions with MD5 AuthCodes (`ipmitool -I lan`, freeipmi's default LAN driver).
   * Default true; auth type NONE and straight passwords are never accepted.
   */
  allowIpmi15?: boolean;
  /** Idle time after which a session is gone (default 60 s). */
  sessionTimeoutSec?: number;
  /** Sessions (pending + active) per BMC (default 8). */
  maxSessionsPerBmc?: number;
  /** Time for session expiry, identify and the boot-flag timer (default: real time). */
  clock?: Clock;
  /** Draws for `faults.errorRate` (default: a fixed seed). */
  rng?: Rng;
}

export interface IpmiServer {
  addresses: { system: string; host: string; port: number }[];
  /** Datagrams the sockets delivered to the server so far (what tests account against, not what was sent). */
  received(): number;
  close(): Promise<void>;
}

/** BMC sockets bound concurrently, batch by batch. */
const BIND_BATCH = 512;
/** Internal-error log events per server (a bug hit by every packet must not flood the log). */
const MAX_INTERNAL_ERROR_EVENTS = 10;

export async function startIpmiServer(o: IpmiServerOptions): Promise<IpmiServer> {
  const srv = new IpmiLanServer(o);
  await srv.bind();
  return { addresses: srv.addresses, received: () => srv.received, close: () => srv.close() };
}

interface Remote {
  address: string;
  port: number;
}

class IpmiLanServer {
  readonly addresses: { system: string; host: string; port: number }[] = [];
  private readonly sockets: (dgram.Socket | undefined)[];
  private readonly states: (BmcState | undefined)[];
  private readonly clock: Clock;
  private readonly rng: Rng;
  private readonly allowZero: boolean;
  private readonly auth15: readonly number[];
  private readonly timeoutMs: number;
  private readonly maxSessions: number;
  private readonly pending = new Set<NodeJS.Timeout>();
  private readonly malformedEvents: MalformedLimiter;
  private closed = false;
  private internalErrors = 0;
  received = 0;

  constructor(private readonly o: IpmiServerOptions) {
    this.sockets = new Array<dgram.Socket | undefined>(o.systems.length);
    this.states = new Array<BmcState | undefined>(o.systems.length);
    this.clock = o.clock ?? realClock();
    this.rng = o.rng ?? createRng(0x1b3c);
    this.allowZero = o.allowCipherZero ?? false;
    this.auth15 = (o.allowIpmi15 ?? true) ? [AUTH15_MD5] : [];
    this.timeoutMs = (o.sessionTimeoutSec ?? 60) * 1000;
    this.maxSessions = o.maxSessionsPerBmc ?? 8;
    this.malformedEvents = new MalformedLimiter(o.events);
  }

  async bind(): Promise<void> {
    const { systems } = this.o;
    try {
      for (let from = 0; from < systems.length; from += BIND_BATCH) {
        const batch: Promise<void>[] = [];
        for (let i = from; i < Math.min(systems.length, from + BIND_BATCH); i++) batch.push(this.bindOne(i));
        await Promise.all(batch);
      }
    } catch (e) {
      await this.close();
      throw e;
    }
    for (let i = 0; i < systems.length; i++) {
      const a = this.sockets[i]!.address();
      this.addresses.push({ system: systems[i]!.id, host: a.address, port: a.port });
    }
  }

  private bindOne(i: number): Promise<void> {
    const sys = this.o.systems[i]!;
    const host = sys.ipmi?.host ?? '127.0.0.1';
    const port = sys.ipmi?.port ?? 0;
    const sock = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
    this.sockets[i] = sock;
    return new Promise<void>((resolve, reject) => {
      const onError = (e: Error) =>
        reject(new FleetlabError('PARAM_INVALID', `ipmi: cannot listen on ${host}:${port} for BMC '${sys.id}': ${e.message}`, { system: sys.id, host, port }));
      sock.once('error', onError);
      sock.bind(port, host, () => {
        sock.off('error', onError);
        // After bind, socket errors (e.g. ICMP unreachable on send) must never crash the process.
        sock.on('error', () => {});
        sock.on('message', (msg, rinfo) => this.onPacket(i, sock, msg, rinfo));
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
    this.malformedEvents.flush();
    for (const st of this.states) st?.dispose();
    await Promise.all(
      this.sockets.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (!s) return resolve();
            try {
              s.close(() => resolve());
            } catch {
              resolve(); // never bound / already closed
            }
          }),
      ),
    );
  }

  // ------------------------------------------------------------------ packet path

  private onPacket(i: number, sock: dgram.Socket, msg: Buffer, rinfo: Remote): void {
    this.received++;
    try {
      this.handle(i, sock, msg, { address: rinfo.address, port: rinfo.port });
    } catch (e) {
      // A bug must not take 10,000 BMCs down with it: drop the packet, report it (first few only).
      if (this.internalErrors++ < MAX_INTERNAL_ERROR_EVENTS) {
        this.o.events?.emit({
          kind: 'log',
          level: 'error',
          code: ERRORS.BMC_INTERNAL.code,
          msg: `ipmi: BMC '${this.o.systems[i]!.id}': packet dropped after an internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
        });
      }
    }
  }

  private handle(i: number, sock: dgram.Socket, msg: Buffer, remote: Remote): void {
    const t0 = performance.now();
    const p = parseRmcp(msg);
    switch (p.kind) {
      case 'malformed':
        return this.malformed(i, p.reason);
      case 'ignored':
        return;
      case 'asf-ping':
        return this.answer(i, sock, remote, t0, 'asf.ping', 0, buildAsfPong(p.rmcpSeq, p.tag));
      case 'v15':
        if (p.sessionId !== 0) return this.inSession15(i, sock, p, remote, t0);
        return this.preSession15(i, sock, p, remote, t0);
      case 'v20':
        if (p.sessionId === 0) return this.preSession(i, sock, p, remote, t0);
        return this.inSession(i, sock, p, remote, t0);
    }
  }

  private rakpContext(st: BmcState): RakpContext {
    const sys = st.system;
    return {
      user: { username: sys.credentials.username, password: sys.credentials.password, maxPriv: PRIV[sys.credentials.ipmiPrivilege ?? 'admin'] },
      guid: st.guid,
      allowCipherZero: this.allowZero,
      authFailure: sys.faults?.authFailure ?? false,
      now: this.clock.now(),
    };
  }

  private preSession15(i: number, sock: dgram.Socket, p: Extract<RmcpPacket, { kind: 'v15' }>, remote: Remote, t0: number): void {
    if (p.authType !== 0) return this.malformed(i, `ipmi15.authType: ${p.authType} outside a session`);
    const req = parseIpmiRequest(p.msg);
    if (typeof req === 'string') return this.malformed(i, req);
    const st = this.state(i);
    if (req.netFn === 0x06 && req.cmd === 0x39 && this.auth15.length > 0) {
      const r = st.sessions.getSessionChallenge(req.data, this.rakpContext(st), this.auth15);
      return this.answer(i, sock, remote, t0, 'session.challenge', r.cc, buildV15(buildIpmiResponse(req, r.cc, r.data)));
    }
    const r = this.run(st, undefined, req.netFn, req.cmd, req.data, remote);
    this.answer(i, sock, remote, t0, r.op, r.result.cc, buildV15(buildIpmiResponse(req, r.result.cc, r.result.data)), r.result.after);
  }

  private inSession15(i: number, sock: dgram.Socket, p: Extract<RmcpPacket, { kind: 'v15' }>, remote: Remote, t0: number): void {
    const st = this.state(i);
    const s = st.sessions.get(p.sessionId);
    if (!s?.v15) return this.malformed(i, `ipmi15.sessionId: 0x${p.sessionId.toString(16)} is not an IPMI 1.5 session`);
    const req = parseIpmiRequest(p.msg);
    if (typeof req === 'string') return this.malformed(i, req);
    const pw16 = password16(st.system.credentials.password);
    if (s.state === 'challenge') {
      if (req.netFn !== 0x06 || req.cmd !== 0x3a) return this.malformed(i, 'ipmi15: only Activate Session is allowed before activation');
      const r = st.sessions.activateSession(p, req.data, this.rakpContext(st));
      if ('drop' in r) {
        this.emit(st.system.id, 'session.activate', 'unauthorized', t0);
        return;
      }
      const authType = r.session?.v15?.authType ?? p.authType;
      const seq = r.session ? r.session.outSeq : 0;
      const packet = buildV15Session(authType, p.sessionId, seq, buildIpmiResponse(req, r.cc, r.data), pw16);
      return this.answer(i, sock, remote, t0, 'session.activate', r.cc, packet);
    }
    if (p.authType !== s.v15.authType || !checkAuthCode15(p, pw16)) return this.malformed(i, 'ipmi15.authCode: integrity check failed');
    if (!st.sessions.acceptSeq(s, p.seq)) return this.malformed(i, `ipmi15.sequence: ${p.seq} replayed or outside the window`);
    s.lastActive = this.clock.now();
    const r = this.run(st, s, req.netFn, req.cmd, req.data, remote);
    s.outSeq = s.outSeq >= 0xffffffff ? 1 : s.outSeq + 1;
    const resp = buildV15Session(s.v15.authType, s.bmcSid, s.outSeq, buildIpmiResponse(req, r.result.cc, r.result.data), pw16);
    this.answer(i, sock, remote, t0, r.op, r.result.cc, resp, r.result.after);
  }

  private preSession(i: number, sock: dgram.Socket, p: V2Packet, remote: Remote, t0: number): void {
    if (p.encrypted || p.authenticated) return this.malformed(i, 'rmcp+.payloadType: encrypted/authenticated flag outside a session');
    const st = this.state(i);
    const ctx = this.rakpContext(st);
    switch (p.payloadType) {
      case PAYLOAD_IPMI: {
        const req = parseIpmiRequest(p.payload);
        if (typeof req === 'string') return this.malformed(i, req);
        const r = this.run(st, undefined, req.netFn, req.cmd, req.data, remote);
        return this.answer(i, sock, remote, t0, r.op, r.result.cc, buildV2(PAYLOAD_IPMI, 0, 0, buildIpmiResponse(req, r.result.cc, r.result.data)), r.result.after);
      }
      case PAYLOAD_OPEN_SESSION_REQ: {
        const r = st.sessions.openSession(p.payload, ctx);
        return this.answer(i, sock, remote, t0, 'session.open', r.status, buildV2(PAYLOAD_OPEN_SESSION_RSP, 0, 0, r.payload));
      }
      case PAYLOAD_RAKP1: {
        const r = st.sessions.rakp1(p.payload, ctx);
        return this.answer(i, sock, remote, t0, 'session.rakp1', r.status, buildV2(PAYLOAD_RAKP2, 0, 0, r.payload));
      }
      case PAYLOAD_RAKP3: {
        const r = st.sessions.rakp3(p.payload, ctx);
        return this.answer(i, sock, remote, t0, 'session.rakp3', r.status, buildV2(PAYLOAD_RAKP4, 0, 0, r.payload));
      }
      default:
        return this.malformed(i, `rmcp+.payloadType: 0x${p.payloadType.toString(16)} outside a session`);
    }
  }

  private inSession(i: number, sock: dgram.Socket, p: V2Packet, remote: Remote, t0: number): void {
    const st = this.state(i);
    const s = st.sessions.get(p.sessionId);
    if (!s || s.state !== 'active' || !s.keys) return this.malformed(i, `rmcp+.sessionId: 0x${p.sessionId.toString(16)} is not an active session`);
    const payload = openV2(p, s.keys);
    if (typeof payload === 'string') return this.malformed(i, payload);
    if (!st.sessions.acceptSeq(s, p.seq)) return this.malformed(i, `rmcp+.sequence: ${p.seq} replayed or outside the window`);
    if (p.payloadType !== PAYLOAD_IPMI) return this.malformed(i, `rmcp+.payloadType: 0x${p.payloadType.toString(16)} not supported in a session`);
    s.lastActive = this.clock.now();
    const req = parseIpmiRequest(payload);
    if (typeof req === 'string') return this.malformed(i, req);
    const r = this.run(st, s, req.netFn, req.cmd, req.data, remote);
    const keys = s.keys;
    s.outSeq = s.outSeq >= 0xffffffff ? 1 : s.outSeq + 1;
    const resp = buildV2(PAYLOAD_IPMI, s.consoleSid, s.outSeq, buildIpmiResponse(req, r.result.cc, r.result.data), keys);
    this.answer(i, sock, remote, t0, r.op, r.result.cc, resp, r.result.after);
  }

  /** Look up and run a command with privilege and error-fault handling. */
  private run(st: BmcState, session: Session | undefined, netFn: number, cmd: number, data: Buffer, remote: Remote): { op: string; result: CommandResult } {
    const def = findCommand(netFn, cmd);
    if (!def) return { op: unknownOp(netFn, cmd), result: { cc: ipmiCompletion('BMC_INVALID_COMMAND') } };
    const priv = session?.priv ?? 0;
    if (def.minPriv > priv) return { op: def.op, result: { cc: ipmiCompletion('BMC_INSUFFICIENT_PRIVILEGE') } };
    const faults = st.system.faults;
    if (session && faults && faults.errorRate > 0 && def.op !== 'session.close' && this.rng.next() < faults.errorRate) {
      return { op: def.op, result: { cc: ipmiCompletionForStatus(faults.errorStatus) } };
    }
    const ctx: CommandContext = {
      state: st,
      session,
      now: this.clock.now(),
      remote,
      local: st.local,
      maxSessions: this.maxSessions,
      allowCipherZero: this.allowZero,
      ipmi15AuthTypes: this.auth15,
      onPowerError: (op, e) => this.powerError(st, op, e),
    };
    return { op: def.op, result: def.run(ctx, data) };
  }

  /** Send (now, later, or never, as the BMC's faults say) and record the request. */
  private answer(i: number, sock: dgram.Socket, remote: Remote, t0: number, op: string, status: number, packet: Buffer, after?: () => void): void {
    const sys = this.o.systems[i]!;
    const f = sys.faults;
    if (f?.hang) {
      this.emit(sys.id, op, 'hang', t0);
      return;
    }
    const send = () => {
      if (this.closed) return;
      sock.send(packet, remote.port, remote.address, () => {});
      after?.();
      this.emit(sys.id, op, status, t0);
    };
    if (f && f.slowMs > 0) {
      const t = setTimeout(() => {
        this.pending.delete(t);
        send();
      }, f.slowMs);
      this.pending.add(t);
    } else send();
  }

  private state(i: number): BmcState {
    let st = this.states[i];
    if (!st) {
      const a = this.addresses[i];
      st = new BmcState(this.o.systems[i]!, this.maxSessions, this.timeoutMs, { address: a?.host ?? '0.0.0.0', port: a?.port ?? 0 }, () => this.clock.now());
      this.states[i] = st;
    }
    st.tick(this.clock.now());
    return st;
  }

  private emit(bmc: string, op: string, status: number | string, t0: number): void {
    this.o.events?.emit({ kind: 'bmc.request', bmc, proto: 'ipmi', op, status, ms: Math.round((performance.now() - t0) * 1000) / 1000 });
  }

  private malformed(i: number, reason: string): void {
    this.malformedEvents.malformed(this.o.systems[i]!.id, reason);
  }

  private powerError(st: BmcState, op: PowerOp, e: unknown): void {
    this.o.events?.emit({
      kind: 'log',
      level: 'warn',
      msg: `ipmi: BMC '${st.system.id}': power ${op} failed after Chassis Control was acknowledged: ${e instanceof Error ? e.message : String(e)}`,
    });
  }
}
