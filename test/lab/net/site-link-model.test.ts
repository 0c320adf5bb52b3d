import t from 'tap';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BURST_MS, createSiteLink } from '../../../lab/net/site-link-model.ts';
import { parseLinkSpec, type LinkProfile } from '../../../lab/net/link-spec.ts';
import { Problems } from '../../../lab/base/problem.ts';
import { createRng } from '../../../lab/base/rng.ts';
import { realClock } from '../../../lab/base/clock.ts';
import type { SiteLink } from '../../../lab/net/site-link.ts';
import { ManualClock } from './manual-clock.ts';

function profile(input: unknown): LinkProfile {
  const p = new Problems();
  const r = parseLinkSpec(input, 'link', p);
  p.throwIfAny();
  return r!;
}

/** A server that streams zeros as fast as the client reads. */
async function blobServer(t: { teardown(fn: () => void): void }): Promise<string> {
  const chunk = Buffer.alloc(64 * 1024);
  const server: Server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    if (req.url === '/small') {
      res.end('ok');
      return;
    }
    const pump = () => {
      while (res.write(chunk));
    };
    res.on('drain', pump);
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Download for `ms`, pacing every chunk through the link as the sim node does; returns bytes. */
function paced(url: string, link: SiteLink, ms: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    const start = performance.now();
    const req = get(url, (res) => {
      res.on('data', (c: Buffer) => {
        if (performance.now() - start >= ms) {
          req.destroy();
          resolve(bytes);
          return;
        }
        bytes += c.length;
        const w = link.take('down', c.length);
        if (w) {
          res.pause();
          void w.then(() => res.resume());
        }
      });
      res.on('error', () => {});
    });
    req.on('error', (e) => (performance.now() - start >= ms ? undefined : reject(e)));
  });
}


// Real-time shaping on a shared host: the link must never pass MORE than its rate (a model
// property, load cannot break it); a loaded host can only deliver less, so the lower bound is
// "it flows" (a quarter of the rate), stated, not a quiet machine's figure. The ±5 % accuracy
// goal is measured by bench/site-links.ts.
const MAX_OVER = 1.05;
const MIN_FLOW = 0.25;

t.test('a 10 s HTTP download through a 20mbit link never exceeds 20 Mbit/s (+5 %) and flows', async (t) => {
  const url = await blobServer(t);
  const link = createSiteLink('s1', profile({ down: '20mbit', up: '2mbit' }), { clock: realClock(), rng: createRng(1) });
  const bytes = await paced(`${url}/blob`, link, 10_000);
  const mbit = (bytes * 8) / 10 / 1e6;
  t.comment(`achieved ${mbit.toFixed(3)} Mbit/s (bench/site-links.ts holds the ±5 % goal)`);
  t.ok(mbit <= 20 * MAX_OVER, `not above the link rate: ${mbit.toFixed(3)} Mbit/s`);
  t.ok(mbit >= 20 * MIN_FLOW, `the download flows: ${mbit.toFixed(3)} Mbit/s`);
});

t.test('two concurrent downloads of one site share its link', async (t) => {
  const url = await blobServer(t);
  const link = createSiteLink('s1', profile({ down: '20mbit' }), { clock: realClock(), rng: createRng(1) });
  const [a, b] = await Promise.all([paced(`${url}/a`, link, 5000), paced(`${url}/b`, link, 5000)]);
  const total = ((a + b) * 8) / 5 / 1e6;
  t.comment(`a ${((a * 8) / 5e6).toFixed(2)} + b ${((b * 8) / 5e6).toFixed(2)} = ${total.toFixed(2)} Mbit/s`);
  t.ok(total <= 20 * MAX_OVER, `together not above the link rate: ${total.toFixed(3)} Mbit/s`);
  t.ok(total >= 20 * MIN_FLOW, `together they flow: ${total.toFixed(3)} Mbit/s`);
  t.ok(a / (a + b) > 0.4 && a / (a + b) < 0.6, 'each gets about half');
});

t.test("latency: 100ms adds 100 ms to an HTTP request round trip over loopback", async (t) => {
  const url = await blobServer(t);
  const link = createSiteLink('s1', profile({ latency: '100ms' }), { clock: realClock(), rng: createRng(1) });
  const once = (withLink: boolean) =>
    new Promise<number>((resolve, reject) => {
      const start = performance.now();
      const go = () =>
        get(`${url}/small`, { agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve(performance.now() - start));
        }).on('error', reject);
      if (withLink) void link.rtt().then(go);
      else go();
    });
  // Interleave shaped and unshaped requests and compare medians: host load shifts both alike.
  await once(false); // warm up
  const base: number[] = [];
  const shaped: number[] = [];
  for (let i = 0; i < 9; i++) {
    base.push(await once(false));
    shaped.push(await once(true));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const added = median(shaped) - median(base);
  t.comment(`base ${median(base).toFixed(2)} ms, shaped ${median(shaped).toFixed(2)} ms`);
  // The model adds exactly 100 ms (next test, manual clock); real timers never fire early but fire
  // late on a loaded host (2 cores shared by many jobs): the lower bound is the property, the
  // upper one only catches a gross error (generous, stated). bench/site-links.ts measures ±2 ms.
  t.ok(added >= 98, `at least the link latency is added: ${added.toFixed(2)} ms`);
  t.ok(added <= 600, `and not grossly more (timer lateness allowance 500 ms): ${added.toFixed(2)} ms`);
});

t.test('the model adds exactly the configured RTT per round trip, jitter around it', async (t) => {
  const clock = new ManualClock();
  const link = createSiteLink('s1', profile({ latency: '100ms' }), { clock, rng: createRng(1) });
  let done = -1;
  void link.rtt().then(() => (done = clock.now()));
  await clock.run(500);
  t.equal(done, 100);
  const j = createSiteLink('s2', profile({ latency: '100ms', jitter: '10ms' }), { clock, rng: createRng(1) });
  const samples: number[] = [];
  for (let i = 0; i < 400; i++) {
    const start = clock.now();
    void j.rtt().then(() => samples.push(clock.now() - start));
    await clock.run(200);
  }
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  t.ok(Math.abs(mean - 100) < 2, `mean RTT ${mean.toFixed(2)} ms`);
  t.ok(Math.min(...samples) >= 80 && Math.max(...samples) <= 120, 'uniform jitter stays within ±jitter per direction');
  t.ok(new Set(samples).size > 50, 'round trips vary');
});

function dropPattern(seed: number, input: unknown, n = 10_000): { delivered: number; pattern: string } {
  const clock = new ManualClock();
  clock.timeScale = 0; // no delays: only the loss decision matters
  const link = createSiteLink('s1', profile(input), { clock, rng: createRng(seed).child('net') });
  let pattern = '';
  let delivered = 0;
  for (let i = 0; i < n; i++) {
    let ok = false;
    link.udp('up', 342, () => (ok = true), 'dhcp');
    if (ok) delivered++;
    if (i < 200) pattern += ok ? '.' : 'x';
  }
  return { delivered, pattern };
}

t.test('loss: 10% drops about 10 % of datagrams, the same ones per seed', async (t) => {
  const a = dropPattern(42, { loss: '10%' });
  t.ok(Math.abs(a.delivered - 9000) < 300, `delivered ${a.delivered} of 10000`);
  t.same(dropPattern(42, { loss: '10%' }), a, 'same seed, same drops');
  t.not(dropPattern(43, { loss: '10%' }).pattern, a.pattern, 'another seed, other drops');
});

t.test('DHCP drops do not depend on other traffic crossing the link', async (t) => {
  const run = (tftpBetween: number) => {
    const clock = new ManualClock();
    clock.timeScale = 0;
    const link = createSiteLink('s1', profile({ loss: '10%' }), { clock, rng: createRng(9).child('net') });
    let pattern = '';
    for (let i = 0; i < 500; i++) {
      let ok = false;
      link.udp('up', 342, () => (ok = true), 'dhcp');
      pattern += ok ? '.' : 'x';
      for (let k = 0; k < tftpBetween; k++) link.udp('down', 1468, () => {}, 'tftp');
    }
    return pattern;
  };
  t.equal(run(0), run(7));
});

t.test('Gilbert-Elliott loss comes in bursts at the configured mean', async (t) => {
  const a = dropPattern(5, { loss: '10%', lossModel: 'gilbert-elliott' }, 50_000);
  t.ok(Math.abs(a.delivered - 45_000) < 1500, `delivered ${a.delivered} of 50000`);
  const runs = a.pattern.match(/x+/g) ?? [];
  const meanRun = runs.reduce((s, r) => s + r.length, 0) / runs.length;
  t.ok(meanRun > 2, `mean burst ${meanRun.toFixed(2)} packets`);
});

t.test('UDP is delayed by half the RTT plus serialization, one timer per datagram', async (t) => {
  const clock = new ManualClock();
  const link = createSiteLink('s1', profile({ down: '8mbit', latency: '40ms' }), { clock, rng: createRng(1) });
  const at: number[] = [];
  link.udp('down', 1000, () => at.push(clock.now())); // 1 ms on the line + 20 ms
  link.udp('down', 1000, () => at.push(clock.now())); // queued behind the first
  t.equal(clock.pending, 2);
  await clock.run(100);
  // The burst allowance lets the first datagrams pass an idle line at once.
  t.same(at, [20, 20]);
  // 10 ms on the line each; an idle line banks BURST_MS (5 ms), the second queues behind the first.
  link.udp('down', 10_000, () => at.push(clock.now()));
  link.udp('down', 10_000, () => at.push(clock.now()));
  await clock.run(400);
  t.same(at.slice(2), [100 + 5 + 20, 100 + 15 + 20]);
});

t.test('partition stalls streams and drops UDP; heal resumes', async (t) => {
  const clock = new ManualClock();
  const link = createSiteLink('s1', profile({ down: '8mbit' }), { clock, rng: createRng(1) });
  link.partition('both');
  t.equal(link.partitioned, true);
  let got = 0;
  link.udp('down', 100, () => got++);
  link.udp('up', 100, () => got++);
  let passed = false;
  void link.take('down', 100_000)!.then(() => (passed = true));
  let rtt = false;
  void link.rtt().then(() => (rtt = true));
  await clock.run(60_000);
  t.equal(got, 0, 'datagrams dropped while cut');
  t.equal(passed, false, 'stream stalled while cut');
  t.equal(rtt, false);
  t.equal(link.stats.down.dropped, 1);
  link.heal();
  await clock.run(200);
  t.equal(passed, true, 'stream resumes after heal');
  t.equal(rtt, true);
  link.udp('down', 100, () => got++);
  await clock.run(10);
  t.equal(got, 1);
});

t.test('one-way partition drops only that direction; overlays compose and stop in any order', async (t) => {
  const clock = new ManualClock();
  clock.timeScale = 0;
  const link = createSiteLink('s1', profile('dsl'), { clock, rng: createRng(1) });
  link.addOverlay('a', { partition: 'up' });
  let up = 0;
  let down = 0;
  link.udp('up', 10, () => up++);
  link.udp('down', 10, () => down++);
  t.same([up, down], [0, 1]);
  link.addOverlay('b', { partition: 'down', downBps: 1e6 });
  t.equal(link.profile.partition, 'both');
  t.equal(link.profile.downBps, 1e6);
  link.removeOverlay('a');
  t.equal(link.profile.partition, 'down');
  link.removeOverlay('b');
  t.same(link.profile, link.baseProfile);
  t.equal(link.partitioned, false);
});

t.test('timeScale compresses line time', async (t) => {
  const clock = new ManualClock();
  clock.timeScale = 0.1;
  const link = createSiteLink('s1', profile({ down: '8mbit' }), { clock, rng: createRng(1) });
  let done = -1;
  link.take('down', 1_000_000); // 1 s modelled = 100 clock units; uses up the idle burst
  void link.take('down', 1_000_000)!.then(() => (done = clock.now()));
  await clock.run(1000);
  t.equal(done, 200 - BURST_MS * 0.1, 'two 1 s transfers take 0.2 s of clock time at timeScale 0.1 (less the idle burst)');
});

t.test('frame(): serialized at the line rate, in order under jitter, tail-dropped at a full queue, cut by partitions', async (t) => {
  const clock = new ManualClock();
  const link = createSiteLink('s', profile({ down: '12mbit', up: '12mbit', latency: '40ms', jitter: '15ms' }), { clock, rng: createRng(3) });
  // 1500-byte frames at 12 Mbit/s: one per ms on the line, plus 20 ms ± 15 ms one way.
  const arrivals: number[] = [];
  for (let i = 0; i < 100; i++) arrivals.push(link.frame('down', 1500)!);
  t.ok(arrivals.every((a) => a !== null), 'a queue of 100 ms is under the limit: nothing dropped');
  t.ok(arrivals.every((a, i) => i === 0 || a >= arrivals[i - 1]!), 'arrivals never go backwards (no reordering)');
  t.ok(arrivals[99]! >= 100 && arrivals[99]! <= 100 + 20 + 15 + 1, `the 100th frame is on the line until 100 ms (+ one way): ${arrivals[99]!.toFixed(1)}`);
  t.ok(arrivals[0]! >= 1 && arrivals[0]! <= 1 + 20 + 15, `the first frame: 1 ms + 20 ± 15 ms: ${arrivals[0]!.toFixed(1)}`);
  // Fill to beyond the 200 ms queue: later frames are dropped, not delayed without bound.
  let dropped = 0;
  for (let i = 0; i < 300; i++) if (link.frame('down', 1500) === null) dropped++;
  // 100 ms already queued: ~100 more fit under 200 ms of backlog, the other ~200 are dropped.
  t.ok(dropped >= 195 && dropped <= 205, `~200 of 300 more frames tail-dropped: ${dropped}`);
  t.equal(link.stats.down.dropped, dropped);
  t.ok(link.frame('up', 1500) !== null, 'the other direction has its own queue');
  link.partition('up');
  t.equal(link.frame('up', 60), null, 'a partitioned direction drops frames');
  await clock.run(1000);
  link.heal();
  t.ok(link.frame('up', 60) !== null, 'healed');
});
