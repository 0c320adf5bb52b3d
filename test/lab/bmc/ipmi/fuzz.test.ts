/**
 * Robustness: 100,000 random and mutated RMCP / RMCP+ packets over loopback (seeded, so a
 * failure reproduces), then a correct `ipmitool power status` must still be answered, a session
 * opened before the storm must still work, and no packet may have hit an internal error.
 * Sends are windowed (the sender waits for the server) and every assertion counts what the
 * kernel delivered or dropped, so a loaded host changes the figures, not the verdict.
 */
import t from 'tap';
import dgram from 'node:dgram';
import { createRng } from '../../../../lab/base/rng.ts';
import type { Rng } from '../../../../lab/base/rng.ts';
import { buildIpmiRequest } from '../../../../lab/bmc/ipmi/ipmi-message.ts';
import { buildV15, buildV2, parseRmcp } from '../../../../lab/bmc/ipmi/rmcp-packet.ts';
import { udpSocketDrops } from '../../../helpers/udp-drops.ts';
import { CIPHER_SUITES } from '../../../../lab/bmc/ipmi/cipher-suite.ts';
import { Lan15Client, LanplusClient, ipmitool, startLab } from './fixtures/ipmi-test-kit.ts';

const PACKETS = 100_000;
/** Packets per burst, and at most WINDOW unaccounted in flight: the sender waits for the server. */
const BURST = 32;
const WINDOW = 64;
/** No packet delivered or dropped for this long: the rest were lost in the stack (counted). */
const STALL_MS = 5000;

function mutate(rng: Rng, src: Buffer, corpus: Buffer[]): Buffer {
  const b = Buffer.from(src);
  switch (rng.int(0, 8)) {
    case 0: // flip 1–4 bits
      for (let k = rng.int(1, 5); k > 0 && b.length > 0; k--) b[rng.int(0, b.length)]! ^= 1 << rng.int(0, 8);
      return b;
    case 1: // set a byte to an edge value
      if (b.length > 0) b[rng.int(0, b.length)] = [0x00, 0xff, 0x7f, 0x80, 0x06, 0x07][rng.int(0, 6)]!;
      return b;
    case 2: // truncate
      return b.subarray(0, rng.int(0, b.length + 1));
    case 3: // append garbage
      return Buffer.concat([b, randomBuf(rng, rng.int(1, 64))]);
    case 4: // lie in the v2.0 payload length / v1.5 message length
      if (b.length > 16) b.writeUInt16LE(rng.int(0, 0x10000), 14);
      if (b.length > 13) b[13] = rng.int(0, 256);
      return b;
    case 5: // splice two corpus packets
      return Buffer.concat([b.subarray(0, rng.int(0, b.length + 1)), corpus[rng.int(0, corpus.length)]!.subarray(rng.int(0, 20))]);
    case 6: // random payload type / flags byte
      if (b.length > 5) b[5] = rng.int(0, 256);
      return b;
    default: // random session id
      if (b.length > 9) b.writeUInt32LE(rng.int(0, 2 ** 32) >>> 0, 6);
      return b;
  }
}

function randomBuf(rng: Rng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = rng.int(0, 256);
  return b;
}

t.test(`${PACKETS} fuzzed packets, then a correct power status`, async (t) => {
  // A loaded host can stretch the storm past the default 60 s session idle timeout: the live
  // sessions are idle during it and must not expire for that (a generous, stated 1 h).
  const lab = await startLab(1, { sessionTimeoutSec: 3600 });
  t.teardown(() => lab.close());
  const addr = lab.addresses[0]!;
  const rng = createRng(4242);

  // Corpus: every kind of packet a real console sends, from a live session (so RAKP1/3 and
  // in-session packets carry real session ids and valid HMACs before mutation).
  const live = new LanplusClient(addr.host, addr.port, CIPHER_SUITES[1]);
  await live.bind();
  t.teardown(() => live.close());
  t.equal(await live.connect(), 0, 'a console connects before the storm');
  const live15 = new Lan15Client(addr.host, addr.port);
  await live15.bind();
  t.teardown(() => live15.close());
  t.equal(await live15.connect15(), 0, 'and an IPMI 1.5 console');
  const corpus: Buffer[] = [
    Buffer.from([0x06, 0x00, 0xff, 0x06, 0x00, 0x00, 0x11, 0xbe, 0x80, 0x01, 0x00, 0x00]),
    buildV15(buildIpmiRequest(0x06, 0x38, [0x8e, 0x04])),
    buildV2(0x00, 0, 0, buildIpmiRequest(0x06, 0x54, [0x0e, 0x00, 0x80])),
    ...live.sent,
    ...live15.sent,
    live15.packet15(0x00, 0x01),
    live15.packet15(0x06, 0x3b, [0x04]),
    live.packet(0x00, 0x01),
    live.packet(0x00, 0x09, [0x05, 0x00, 0x00]),
    live.packet(0x06, 0x01),
  ];
  t.equal((await live.cmd(0x06, 0x01))?.cc, 0, 'the live session answers');

  const sender = dgram.createSocket('udp4');
  await new Promise<void>((r) => sender.bind(0, '127.0.0.1', () => r()));
  t.teardown(() => new Promise<void>((r) => sender.close(() => r())));
  // Everything below is counted against what the kernel delivered (lab.received()) and what it
  // dropped at the server's socket (/proc/net/udp), never against what was sent: a loaded host
  // drops datagrams, and that is not the server's fault.
  const events = lab.sink.events;
  const ev0 = events.length;
  const recv0 = lab.received();
  const drops0 = udpSocketDrops(addr.port);
  const arrived = () => lab.received() - recv0 + (udpSocketDrops(addr.port) - drops0);
  let ignoredSent = 0;
  let sendErrors = 0;
  let lostInStack = 0; // neither delivered nor dropped at the socket (e.g. the loopback backlog)
  const t0 = performance.now();
  let sent = 0;
  const settle = async (inFlight: number) => {
    // Wait until at most `inFlight` packets are unaccounted (the server shares this event loop:
    // each setImmediate lets it read its socket). Kernel drops are read only when delivery stalls;
    // a stall of STALL_MS means the rest were lost before reaching the socket (counted, not failed).
    let last = -1;
    let since = performance.now();
    for (let spins = 0; sent - sendErrors - lostInStack - (lab.received() - recv0) > inFlight; spins++) {
      if (spins < 50) {
        await new Promise((r) => setImmediate(r));
        continue;
      }
      const now = arrived();
      if (sent - sendErrors - lostInStack - now <= inFlight) return;
      if (now !== last) [last, since] = [now, performance.now()];
      else if (performance.now() - since > STALL_MS) lostInStack = sent - sendErrors - now;
      await new Promise((r) => setTimeout(r, 1));
    }
  };
  while (sent < PACKETS) {
    for (let k = 0; k < BURST && sent < PACKETS; k++, sent++) {
      const r = rng.next();
      const pkt =
        r < 0.25
          ? randomBuf(rng, rng.int(0, 300))
          : r < 0.35
            ? Buffer.concat([Buffer.from([0x06, 0x00, 0xff, 0x07, rng.next() < 0.5 ? 0x06 : 0x00]), randomBuf(rng, rng.int(0, 80))])
            : mutate(rng, corpus[rng.int(0, corpus.length)]!, corpus);
      if (parseRmcp(pkt).kind === 'ignored') ignoredSent++; // RMCP ACKs, other ASF types: no event by design
      sender.send(pkt, addr.port, addr.host, (e) => void (e && sendErrors++));
    }
    await settle(WINDOW);
  }
  await settle(0);
  const received = lab.received() - recv0;
  const kernelDrops = udpSocketDrops(addr.port) - drops0;
  const evEnd = events.length;
  t.comment(`sent ${PACKETS} packets in ${Math.round(performance.now() - t0)} ms: ${received} delivered, ${kernelDrops} dropped at the socket, ${lostInStack} lost before it, ${sendErrors} send errors`);
  t.ok(received > 0, 'the server received packets');
  t.equal(received + kernelDrops + lostInStack + sendErrors, PACKETS, 'every packet sent is delivered or counted as lost');

  const r = await ipmitool(addr, 17, ['power', 'status']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, lab.machines[0]!.power() === 'on' ? /Chassis Power is on/ : /Chassis Power is off/);
  t.equal((await live.cmd(0x06, 0x01))?.cc, 0, 'the session opened before the storm still works');
  t.equal((await live15.cmd15(0x06, 0x01))?.cc, 0, 'so does the IPMI 1.5 one');

  await lab.close(); // flushes the rate-limited malformed count
  const internal = events.filter((e) => e.kind === 'log' && e.level === 'error');
  t.same(internal, [], 'no packet caused an internal error');
  const stormRequests = events.slice(ev0, evEnd).filter((e) => e.kind === 'bmc.request');
  const suppressed = events
    .slice(ev0)
    .reduce((n, e) => n + (e.kind === 'log' && e.level === 'warn' ? Number(/(\d+) more malformed/.exec(e.msg)?.[1] ?? 0) : 0), 0);
  const accounted = stormRequests.length + suppressed;
  t.ok(accounted <= received && received <= accounted + ignoredSent, `every received packet is accounted for: ${stormRequests.length} events + ${suppressed} rate-limited + ≤ ${ignoredSent} ignored by design = ${received} received`);
  const malformedEvents = stormRequests.filter((e) => e.status === 'malformed').length;
  t.ok(malformedEvents < 2000, `malformed events are rate-limited (${malformedEvents} emitted)`);
});
