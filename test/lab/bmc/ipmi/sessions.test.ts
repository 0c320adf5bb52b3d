/**
 * RMCP+ session rules: replays and tampered packets are dropped, sessions close, time out
 * lazily, are limited per BMC (pending ones make room, active ones never do) and start at USER
 * privilege until Set Session Privilege.
 */
import t, { type Test } from 'tap';
import { CIPHER_SUITES } from '../../../../lab/bmc/ipmi/cipher-suite.ts';
import { LanplusClient, ipmitool, manualClock, startLab } from './fixtures/ipmi-test-kit.ts';
import type { Lab } from './fixtures/ipmi-test-kit.ts';

async function client(t: Test, lab: Lab, suite = CIPHER_SUITES[0]!): Promise<LanplusClient> {
  const a = lab.addresses[0]!;
  const c = new LanplusClient(a.host, a.port, suite);
  await c.bind();
  t.teardown(() => c.close());
  return c;
}

t.test('replayed and tampered in-session packets get no answer', async (t) => {
  const lab = await startLab(1);
  t.teardown(() => lab.close());
  const c = await client(t, lab, CIPHER_SUITES[1]);
  t.equal(await c.connect(), 0);
  const pkt = c.packet(0x00, 0x01);
  t.equal((await c.sendPacket(pkt))?.cc, 0, 'first copy answered');
  t.equal(await c.sendPacket(pkt, 200), null, 'replay dropped');
  const tampered = Buffer.from(c.packet(0x00, 0x01));
  tampered[20]! ^= 0x01;
  t.equal(await c.sendPacket(tampered, 200), null, 'tampered packet dropped');
  // Out of order within the window is fine (UDP reorders); far behind is not.
  const a = c.packet(0x06, 0x01, [], 100);
  const b = c.packet(0x06, 0x01, [], 95);
  t.equal((await c.sendPacket(a))?.cc, 0);
  t.equal((await c.sendPacket(b))?.cc, 0, 'a late packet within 16 of the highest is accepted once');
  t.equal(await c.sendPacket(c.packet(0x06, 0x01, [], 50), 200), null, 'a packet 50 behind is dropped');
  t.ok(lab.sink.requests().some((e) => e.status === 'malformed' && /replayed or outside the window/.test(e.op)));
  t.ok(lab.sink.requests().some((e) => e.status === 'malformed' && /integrity check failed/.test(e.op)));
});

t.test('privilege: a session starts at USER; Chassis Control needs OPERATOR', async (t) => {
  const lab = await startLab(1);
  t.teardown(() => lab.close());
  const c = await client(t, lab);
  t.equal(await c.connect(), 0);
  t.equal((await c.cmd(0x00, 0x02, [0x01]))?.cc, 0xd4, 'insufficient privilege');
  t.equal(lab.machines[0]!.power(), 'off');
  t.same([...((await c.cmd(0x06, 0x3b, [0x03]))?.data ?? [])], [0x03], 'raised to OPERATOR');
  t.equal((await c.cmd(0x00, 0x02, [0x01]))?.cc, 0);
  t.equal(lab.machines[0]!.power(), 'on');
  t.equal((await c.cmd(0x06, 0x3b, [0x05]))?.cc, 0x81, 'OEM is above this session\'s limit');
});

t.test('Close Session ends the session; later packets get no answer', async (t) => {
  const lab = await startLab(1);
  t.teardown(() => lab.close());
  const c = await client(t, lab);
  t.equal(await c.connect(), 0);
  t.equal((await c.cmd(0x06, 0x3c, [...u32(c.bmcSid)]))?.cc, 0);
  t.equal(await c.sendPacket(c.packet(0x06, 0x01), 200), null);
});

t.test('idle sessions expire lazily after sessionTimeoutSec', async (t) => {
  const clock = manualClock();
  const lab = await startLab(1, { clock, sessionTimeoutSec: 30 });
  t.teardown(() => lab.close());
  const c = await client(t, lab);
  t.equal(await c.connect(), 0);
  clock.advance(20_000);
  t.equal((await c.cmd(0x06, 0x01))?.cc, 0, 'activity at 20 s keeps it alive');
  clock.advance(29_000);
  t.equal((await c.cmd(0x06, 0x01))?.cc, 0, 'still alive 29 s after the last packet');
  clock.advance(31_000);
  t.equal(await c.sendPacket(c.packet(0x06, 0x01), 200), null, 'gone 31 s after the last packet');
});

t.test('maxSessionsPerBmc: active sessions are never evicted; pending ones make room', async (t) => {
  const lab = await startLab(1, { maxSessionsPerBmc: 2 });
  t.teardown(() => lab.close());
  const a = await client(t, lab);
  const b = await client(t, lab);
  t.equal(await a.connect(), 0);
  t.equal(await b.connect(), 0);
  const c = await client(t, lab);
  t.equal(await c.connect(), 0x01, 'third session: insufficient resources');
  const r = await ipmitool(lab.addresses[0]!, 3, ['power', 'status']);
  t.not(r.code, 0, 'ipmitool is refused too while the table is full');
  t.equal((await a.cmd(0x06, 0x3c, [...u32(a.bmcSid)]))?.cc, 0);
  t.equal((await c.connect()), 0, 'a closed session frees its slot');
  t.equal((await b.cmd(0x06, 0x01))?.cc, 0, 'the other session was not disturbed');

  // Pending (unauthenticated) sessions: a flood of Open Session requests cannot lock users out.
  const lab2 = await startLab(1, { maxSessionsPerBmc: 2 });
  t.teardown(() => lab2.close());
  const flood = await client(t, lab2);
  for (let i = 0; i < 20; i++) {
    const open = Buffer.alloc(32);
    open.writeUInt32LE(1000 + i, 4);
    open.set([0x00, 0, 0, 8, 1], 8);
    open.set([0x01, 0, 0, 8, 1], 16);
    open.set([0x02, 0, 0, 8, 1], 24);
    await flood.payload(0x10, open);
  }
  const ok = await ipmitool(lab2.addresses[0]!, 3, ['power', 'status']);
  t.equal(ok.code, 0, ok.stderr);
});

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}
