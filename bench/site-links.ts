/**
 * Site link model: scale and accuracy figures (run by hand: `npx tsx bench/site-links.ts`).
 *
 * 1. Scale: 10,000 site links (mixed presets) for 30,000 nodes in one process — heap per link,
 *    cost of udp()/take()/rtt() calls, timers pending while idle (must be 0).
 * 2. Accuracy over loopback: a 10 s paced HTTP download through a 20mbit link (goal ±5 %), and
 *    the added latency of `latency: 100ms` on 20 HTTP round trips (goal ±2 ms).
 */
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSiteLink, type SiteLinkControl } from '../lab/net/site-link-model.ts';
import { resolveSiteLinks, LINK_PRESETS } from '../lab/net/link-spec.ts';
import { realClock, type Clock } from '../lab/base/clock.ts';
import { createRng } from '../lab/base/rng.ts';
import { Problems } from '../lab/base/problem.ts';

async function scale(): Promise<void> {
  let pending = 0;
  const base = realClock();
  const clock: Clock = {
    timeScale: 1,
    now: base.now,
    sleep: base.sleep,
    after(ms, fn) {
      pending++;
      const c = base.after(ms, () => {
        pending--;
        fn();
      });
      return () => {
        pending--;
        c();
      };
    },
  };
  const names = Array.from({ length: 10_000 }, (_, i) => `site-${i}`);
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const problems = new Problems();
  const profiles = resolveSiteLinks({ mix: { lte: 0.2, dsl: 0.3, 'metro-fiber': 0.4, satellite: 0.1 } }, names, createRng(1).child('links'), 'lab.link', problems);
  const rng = createRng(1).child('net');
  const links: SiteLinkControl[] = names.map((n) => createSiteLink(n, profiles.get(n)!, { clock, rng }));
  global.gc?.();
  const heap1 = process.memoryUsage().heapUsed;
  console.log(`10,000 links: ${((heap1 - heap0) / 1e6).toFixed(1)} MB heap (${((heap1 - heap0) / 10_000).toFixed(0)} B/link), timers pending while idle: ${pending}`);

  // 3 DHCP exchanges per node (4 datagrams each) across all sites.
  let delivered = 0;
  const t0 = performance.now();
  const n = 30_000 * 4 * 3;
  for (let i = 0; i < n; i++) links[i % 10_000]!.udp(i & 1 ? 'down' : 'up', 342, () => delivered++, 'dhcp');
  const t1 = performance.now();
  console.log(`udp(): ${(n / ((t1 - t0) / 1000) / 1e6).toFixed(2)} M calls/s, timers pending: ${pending}`);
  while (pending > 0) await new Promise((r) => setTimeout(r, 50));
  console.log(`delivered ${delivered} of ${n} (${((1 - delivered / n) * 100).toFixed(2)} % lost by the mix's loss rates)`);
  const t2 = performance.now();
  let waits = 0;
  for (let i = 0; i < 300_000; i++) if (links[i % 10_000]!.take('down', 16_384)) waits++;
  console.log(`take(): ${(300_000 / ((performance.now() - t2) / 1000) / 1e6).toFixed(2)} M calls/s (${waits} needed a wait)`);
}

async function accuracy(): Promise<void> {
  const chunk = Buffer.alloc(64 * 1024);
  const server = createServer((req, res) => {
    if (req.url === '/small') return void res.end('ok');
    const pump = () => {
      while (res.write(chunk));
    };
    res.on('drain', pump);
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const link = createSiteLink('s', { ...LINK_PRESETS.dsl, downBps: 20e6, latencyMs: 100, jitterMs: 0, loss: { kind: 'random', rate: 0 } }, { clock: realClock(), rng: createRng(1) });
  const bytes = await new Promise<number>((resolve) => {
    let b = 0;
    const start = performance.now();
    const req = get(`${url}/blob`, (res) => {
      res.on('data', (c: Buffer) => {
        if (performance.now() - start >= 10_000) {
          req.destroy();
          return resolve(b);
        }
        b += c.length;
        const w = link.take('down', c.length);
        if (w) {
          res.pause();
          void w.then(() => res.resume());
        }
      });
      res.on('error', () => {});
    });
    req.on('error', () => {});
  });
  const mbit = (bytes * 8) / 10 / 1e6;
  console.log(`throughput: ${mbit.toFixed(3)} Mbit/s of 20 (${(((mbit - 20) / 20) * 100).toFixed(2)} %)`);
  const once = (shaped: boolean) =>
    new Promise<number>((resolve) => {
      const s = performance.now();
      const go = () => get(`${url}/small`, { agent: false }, (res) => res.resume().on('end', () => resolve(performance.now() - s)));
      if (shaped) void link.rtt().then(go);
      else go();
    });
  const base: number[] = [];
  const shaped: number[] = [];
  for (let i = 0; i < 20; i++) {
    base.push(await once(false));
    shaped.push(await once(true));
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const added = shaped.map((s, i) => s - base[i]!);
  console.log(`added latency: median ${(med(shaped) - med(base)).toFixed(2)} ms, min ${Math.min(...added).toFixed(2)}, max ${Math.max(...added).toFixed(2)} (goal 100 ±2)`);
  server.closeAllConnections();
  server.close();
}

await scale();
await accuracy();
