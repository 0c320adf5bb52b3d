/**
 * The qemu tier's userspace WAN (lab/net/netns/userspace-wan.ts): how fast and how exact it is
 * for real TCP from inside a site namespace (run by hand, root: `npx tsx bench/userspace-wan.ts`).
 *
 *   site ns: busybox wget ─▶ wan0 ═ socat ─ this process (link model) ─ socat ═ host TAP ─DNAT─▶ HTTP server (127.0.0.1)
 *
 * 1. Ceiling: an ideal wire (no model) and a 1 Gbit/s model — what a lan/metro-fiber site gets.
 * 2. Accuracy: 10 and 50 Mbit/s downloads against their line rate (Ethernet frames, so payload
 *    goodput is ~95.6 % of the line with 1448-byte segments); a 100 ms RTT model against ping.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createQemuSite } from '../lab/net/netns/qemu-site.ts';
import { CORE_ADDR } from '../lab/net/netns/naming.ts';
import { sh } from '../lab/net/netns/sh.ts';
import { IDEAL_LINK, type LinkProfile } from '../lab/net/link-spec.ts';
import { createSiteLink } from '../lab/net/site-link-model.ts';
import { realClock } from '../lab/base/clock.ts';
import { createRng } from '../lab/base/rng.ts';

const MB = 1_000_000;
const server = createServer((req, res) => {
  const bytes = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('bytes') ?? MB);
  res.writeHead(200, { 'content-length': bytes });
  const chunk = Buffer.alloc(64 * 1024, 1);
  let left = bytes;
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      left -= n;
      if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
const port = (server.address() as AddressInfo).port;

async function download(ns: string, bytes: number): Promise<number> {
  const r = await sh('ip', ['netns', 'exec', ns, 'busybox', 'sh', '-c', `t0=$(cut -d' ' -f1 /proc/uptime); busybox wget -q -O /dev/null 'http://${CORE_ADDR}:${port}/x?bytes=${bytes}'; t1=$(cut -d' ' -f1 /proc/uptime); echo $t0 $t1`], { timeoutMs: 300_000 });
  const [t0, t1] = r.stdout.trim().split(' ').map(Number);
  return t1! - t0!;
}

async function withSite<T>(index: number, profile: LinkProfile | null, fn: (ns: string) => Promise<T>): Promise<T> {
  const link = profile ? createSiteLink(`bench-${index}`, profile, { clock: realClock(1), rng: createRng(index) }) : null;
  const site = await createQemuSite({ runId: `bench-uwan-${process.pid}`, index, site: `bench-${index}`, core: { dhcpPort: 6767 }, frameLink: link, workDir: mkdtempSync(join(tmpdir(), 'fl-bench-uwan-')) });
  try {
    return await fn(site.ns);
  } finally {
    await site.teardown();
  }
}

const lines: string[] = ['| link | bytes | time | goodput | of line rate |', '|---|---:|---:|---:|---:|'];
const row = (name: string, bytes: number, secs: number, lineBps?: number) => {
  const bps = (bytes * 8) / secs;
  lines.push(`| ${name} | ${bytes / MB} MB | ${secs.toFixed(2)} s | ${(bps / 1e6).toFixed(1)} Mbit/s | ${lineBps ? `${((bps / lineBps) * 100).toFixed(1)} %` : '—'} |`);
};

await withSite(201, null, async (ns) => row('ideal wire (no model)', 200 * MB, await download(ns, 200 * MB)));
await withSite(202, { ...IDEAL_LINK, downBps: 1e9, upBps: 1e9 }, async (ns) => row('model 1 Gbit/s', 200 * MB, await download(ns, 200 * MB), 1e9));
for (const mbit of [10, 50]) {
  await withSite(203, { ...IDEAL_LINK, downBps: mbit * 1e6, upBps: mbit * 1e6 }, async (ns) => row(`model ${mbit} Mbit/s`, mbit * 2 * MB, await download(ns, mbit * 2 * MB), mbit * 1e6));
}
const rtts = await withSite(204, { ...IDEAL_LINK, latencyMs: 100 }, async (ns) => {
  const r = await sh('ip', ['netns', 'exec', ns, 'busybox', 'ping', '-c', '20', '-i', '0.2', CORE_ADDR]);
  return [...r.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
});
rtts.sort((a, b) => a - b);
server.close();
process.stdout.write(
  `${lines.join('\n')}\n\nping through a 100 ms RTT model, 20 pings: min ${rtts[0]} ms, median ${rtts[10]} ms, max ${rtts[rtts.length - 1]} ms\n`,
);
