/**
 * A DHCPv4 load generator in perfdhcp's terms, so its figures can be put beside perfdhcp's:
 * N simulated clients (`-R`), exchanges initiated at a target rate (`-r`) for a number of
 * exchanges (`-n`) or a period (`-p`), sent as a relay (giaddr = the local address, `-l`) with the
 * RFC 8357 relay-port sub-option so replies come back to an unprivileged port (`-L`).
 *
 *   pacer (sub-ms: due = elapsed × rate) ─▶ DISCOVER(xid = exchange #) ─▶ server
 *   OFFER ─▶ REQUEST (same xid, requested ip + server id) ─▶ ACK/NAK ─▶ exchange done
 *   drop: no reply within dropTimeMs (perfdhcp -d); a reply after that counts as late, not as a delay
 *
 * Why a pacer that spins on setImmediate above 1,000/s: a 1 ms timer tick sends the rate in
 * bursts of rate/1000 packets (and more after any event-loop stall), and a bursty sender
 * overflows a single-threaded server's socket long before the server runs out of CPU. Sending
 * what is due on every turn of the loop keeps the gaps even, and replies are read between sends.
 * Per-exchange state is two Float64Arrays indexed by xid, so 1 M exchanges cost 16 MB and no
 * object per exchange.
 */
import dgram from 'node:dgram';
import {
  BOOTREQUEST,
  DhcpMessageType as MT,
  DhcpOption,
  decodeDhcp,
  encodeDhcp,
  encodeRelayAgentInfo,
  messageType,
  newPacket,
  optIp,
  pxeClientOptions,
  setIp,
  setMessageType,
  type DhcpPacket,
} from './dhcp-packet.ts';
import { FleetlabError } from '../../base/errors.ts';

export interface DhcpLoadOptions {
  server: { host: string; port: number };
  /** Relay address: the socket binds here and it is the giaddr (perfdhcp -l). */
  localAddress: string;
  /** Local port (perfdhcp -L); 0 = any free port. Sent as the RFC 8357 relay port. */
  localPort?: number;
  /** Exchanges initiated per second (perfdhcp -r). */
  rate: number;
  /** Distinct client MACs, reused round-robin (perfdhcp -R); default = number of exchanges. */
  clients?: number;
  /** Stop initiating after this many exchanges (perfdhcp -n)… */
  exchanges?: number;
  /** …or after this many seconds (perfdhcp -p). One of the two is required. */
  periodS?: number;
  /** A reply later than this is a drop (perfdhcp -d, default 1 s). */
  dropTimeMs?: number;
  /** After the last DISCOVER, wait this long for outstanding replies (perfdhcp -W, default 1 s). */
  exitWaitMs?: number;
  /** First MAC's last three bytes start here, so two generators can use disjoint clients. */
  macBase?: number;
  signal?: AbortSignal;
}

/** One request/reply pair's statistics, the block perfdhcp prints per exchange type. */
export interface ExchangeStats {
  sent: number;
  received: number;
  drops: number;
  late: number;
  minMs: number;
  avgMs: number;
  maxMs: number;
  sdMs: number;
  p99Ms: number;
}

export interface DhcpLoadResult {
  expectedRate: number;
  /** Completed 4-way exchanges (ACK received in time) per second of the sending period. */
  rate: number;
  elapsedMs: number;
  discoverOffer: ExchangeStats;
  requestAck: ExchangeStats;
  naks: number;
  /** Replies whose xid/type matches nothing outstanding (perfdhcp's "orphans"). */
  orphans: number;
  /** Fraction of initiated exchanges that did not complete (either leg dropped). */
  dropRatio: number;
}

const UUID = '00000000-0000-4000-8000-00000000f1ee';
const SPIN_ABOVE_RATE = 1000;

function macOf(i: number): string {
  const h = (n: number) => (n & 255).toString(16).padStart(2, '0');
  return `02:fe:00:${h(i >> 16)}:${h(i >> 8)}:${h(i)}`;
}

function validate(o: DhcpLoadOptions): { total: number } {
  if (!(o.rate > 0) || !Number.isFinite(o.rate)) throw new FleetlabError('USAGE', `dhcp-load: rate ${o.rate}: expected a positive number of exchanges per second`);
  if (o.exchanges === undefined && o.periodS === undefined) throw new FleetlabError('USAGE', 'dhcp-load: give a number of exchanges (-n) or a period in seconds (-p)');
  const byPeriod = o.periodS === undefined ? Infinity : Math.ceil(o.periodS * o.rate);
  const total = Math.min(o.exchanges ?? Infinity, byPeriod);
  if (!(total >= 1) || total > 2 ** 31) throw new FleetlabError('USAGE', `dhcp-load: ${total} exchanges: expected 1 … 2^31`);
  if (o.clients !== undefined && !(o.clients >= 1 && o.clients <= 1 << 24)) throw new FleetlabError('USAGE', `dhcp-load: clients ${o.clients}: expected 1 … 16777216`);
  return { total };
}

/** min/avg/max/sd/p99 of the first `n` delays (ms) in `d`. */
function delayStats(d: Float64Array, n: number): Pick<ExchangeStats, 'minMs' | 'avgMs' | 'maxMs' | 'sdMs' | 'p99Ms'> {
  if (n === 0) return { minMs: NaN, avgMs: NaN, maxMs: NaN, sdMs: NaN, p99Ms: NaN };
  const s = d.subarray(0, n).sort();
  let sum = 0;
  for (const v of s) sum += v;
  const avg = sum / n;
  let sq = 0;
  for (const v of s) sq += (v - avg) ** 2;
  return { minMs: s[0]!, avgMs: avg, maxMs: s[n - 1]!, sdMs: n > 1 ? Math.sqrt(sq / (n - 1)) : 0, p99Ms: s[Math.min(n - 1, Math.ceil(0.99 * n) - 1)]! };
}

/** Per-exchange times and the counters, indexed by xid = exchange number. */
interface LoadState {
  total: number;
  dropTimeMs: number;
  discoverAt: Float64Array;
  requestAt: Float64Array;
  doDelay: Float64Array;
  raDelay: Float64Array;
  sentD: number;
  recvO: number;
  lateO: number;
  sentR: number;
  recvA: number;
  lateA: number;
  naks: number;
  orphans: number;
}

function newState(total: number, dropTimeMs: number): LoadState {
  const f = () => new Float64Array(total);
  return { total, dropTimeMs, discoverAt: f(), requestAt: f(), doDelay: f(), raDelay: f(), sentD: 0, recvO: 0, lateO: 0, sentR: 0, recvA: 0, lateA: 0, naks: 0, orphans: 0 };
}

/** The packet builder for one run: PXE client options, giaddr and the relay-port sub-option. */
function packetBuilder(o: DhcpLoadOptions, clients: number, relayPort: number) {
  const pxe = pxeClientOptions('bios', UUID);
  const rai = encodeRelayAgentInfo({ circuitId: 'dhcp-load', relayPort });
  const macBase = o.macBase ?? 0;
  return (xid: number, type: number, offer?: DhcpPacket): Buffer => {
    const p = newPacket(BOOTREQUEST, macOf(macBase + (xid % clients)), xid);
    setMessageType(p, type);
    for (const [k, v] of pxe) p.options.set(k, v);
    if (offer) {
      setIp(p, DhcpOption.REQUESTED_IP, offer.yiaddr);
      const sid = optIp(offer, DhcpOption.SERVER_ID);
      if (sid) setIp(p, DhcpOption.SERVER_ID, sid);
    }
    p.giaddr = o.localAddress;
    p.hops = 1;
    p.options.set(DhcpOption.RELAY_AGENT_INFO, rai);
    return encodeDhcp(p);
  };
}

/** One reply: an OFFER answers with a REQUEST, an ACK/NAK ends the exchange; the rest are orphans. */
function onReply(st: LoadState, m: Buffer, request: (xid: number, offer: DhcpPacket) => void): void {
  const now = performance.now();
  let p: DhcpPacket;
  try {
    p = decodeDhcp(m);
  } catch {
    st.orphans++;
    return;
  }
  const xid = p.xid >>> 0;
  const t = messageType(p);
  if (xid >= st.sentD) st.orphans++;
  else if (t === MT.OFFER && st.discoverAt[xid]! > 0 && st.requestAt[xid] === 0) {
    const ms = now - st.discoverAt[xid]!;
    if (ms > st.dropTimeMs) return void st.lateO++;
    st.doDelay[st.recvO++] = ms;
    st.requestAt[xid] = performance.now();
    st.sentR++;
    request(xid, p);
  } else if ((t === MT.ACK || t === MT.NAK) && st.requestAt[xid]! > 0) {
    const ms = now - st.requestAt[xid]!;
    st.requestAt[xid] = -1; // answered: a duplicate is an orphan
    if (ms > st.dropTimeMs) return void st.lateA++;
    if (t === MT.NAK) st.naks++;
    else st.raDelay[st.recvA++] = ms;
  } else st.orphans++;
}

/** Sends DISCOVERs as they fall due (due = elapsed × rate) until `total` or abort; resolves with t0. */
function pace(st: LoadState, rate: number, discover: (xid: number) => void, signal?: AbortSignal): Promise<number> {
  const t0 = performance.now();
  const perMs = rate / 1000;
  return new Promise<number>((resolve) => {
    const tick = () => {
      if (signal?.aborted) return resolve(t0);
      const due = Math.min(st.total, Math.floor((performance.now() - t0) * perMs) + 1);
      while (st.sentD < due) {
        st.discoverAt[st.sentD] = performance.now();
        discover(st.sentD++);
      }
      if (st.sentD >= st.total) return resolve(t0);
      if (rate > SPIN_ABOVE_RATE) setImmediate(tick);
      else setTimeout(tick, Math.max(0, st.sentD / perMs - (performance.now() - t0)));
    };
    tick();
  });
}

function result(st: LoadState, rate: number, elapsedMs: number): DhcpLoadResult {
  const answered = st.recvA + st.naks;
  return {
    expectedRate: rate,
    rate: st.recvA / (Math.max(elapsedMs, 1) / 1000),
    elapsedMs,
    discoverOffer: { sent: st.sentD, received: st.recvO, late: st.lateO, drops: st.sentD - st.recvO, ...delayStats(st.doDelay, st.recvO) },
    requestAck: { sent: st.sentR, received: answered, late: st.lateA, drops: st.sentR - answered, ...delayStats(st.raDelay, st.recvA) },
    naks: st.naks,
    orphans: st.orphans,
    dropRatio: st.sentD === 0 ? 0 : (st.sentD - answered) / st.sentD,
  };
}

export async function runDhcpLoad(o: DhcpLoadOptions): Promise<DhcpLoadResult> {
  const { total } = validate(o);
  const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 << 20, sendBufferSize: 8 << 20 });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(o.localPort ?? 0, o.localAddress, () => resolve());
  });
  sock.on('error', () => {}); // ICMP port unreachable etc.: the exchange simply drops
  const build = packetBuilder(o, o.clients ?? total, sock.address().port);
  const send = (b: Buffer) => sock.send(b, o.server.port, o.server.host);
  const st = newState(total, o.dropTimeMs ?? 1000);
  sock.on('message', (m) => onReply(st, m, (xid, offer) => send(build(xid, MT.REQUEST, offer))));
  const t0 = await pace(st, o.rate, (xid) => send(build(xid, MT.DISCOVER)), o.signal);
  const elapsedMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, Math.max(o.exitWaitMs ?? 1000, 0)));
  await new Promise<void>((r) => sock.close(() => r()));
  return result(st, o.rate, elapsedMs);
}
