/**
 * The qemu tier's default WAN: frames between the site namespace and the host cross this process
 * and the site's link model (the sim tier's SiteLinkControl), so delay, rate and partitions —
 * which this kernel cannot do without sch_netem — apply to real TCP and ICMP, and a fault that
 * changes the model changes the real link at once.
 */
import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createQemuSite } from '../../../../lab/net/netns/qemu-site.ts';
import { listLeftovers, runPrefix } from '../../../../lab/net/netns/gc.ts';
import { CORE_ADDR } from '../../../../lab/net/netns/naming.ts';
import { sh } from '../../../../lab/net/netns/sh.ts';
import { IDEAL_LINK, type LinkProfile } from '../../../../lab/net/link-spec.ts';
import { createSiteLink } from '../../../../lab/net/site-link-model.ts';
import { realClock } from '../../../../lab/base/clock.ts';
import { createRng } from '../../../../lab/base/rng.ts';

const work = mkdtempSync(join(tmpdir(), 'fl-uwan-test-'));
const body = Buffer.alloc(1_000_000, 7);
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-length': body.length });
  res.end(body);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
const port = (server.address() as AddressInfo).port;
t.teardown(() => new Promise<void>((r) => server.close(() => r())));

const inNs = (ns: string, script: string, timeoutS = 30) => sh('ip', ['netns', 'exec', ns, 'busybox', 'sh', '-c', script], { timeoutMs: timeoutS * 1000 });
/** Seconds to download the 1 MB body from inside the namespace, and the bytes that arrived. */
async function download(ns: string, timeout = 20): Promise<{ bytes: number; secs: number }> {
  const r = await inNs(ns, `t0=$(cut -d' ' -f1 /proc/uptime); busybox timeout ${timeout} busybox wget -q -O - http://${CORE_ADDR}:${port}/x | wc -c; t1=$(cut -d' ' -f1 /proc/uptime); echo $t0 $t1`, timeout + 5);
  const [bytes, times] = r.stdout.trim().split('\n');
  const [t0, t1] = times!.split(' ').map(Number);
  return { bytes: Number(bytes), secs: t1! - t0! };
}
/** Round-trip times (ms) of `n` pings to CORE from inside the namespace. */
async function pings(ns: string, n: number): Promise<number[]> {
  const r = await inNs(ns, `busybox ping -c ${n} -i 0.2 -W 2 ${CORE_ADDR} || true`);
  return [...r.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
}

t.test('the userspace WAN applies the link model to real traffic: rate, latency, partition, heal', async (t) => {
  const runId = `uwan-test-${process.pid}`;
  const profile: LinkProfile = { ...IDEAL_LINK, downBps: 8e6, upBps: 8e6, latencyMs: 80 };
  const link = createSiteLink('edge-5', profile, { clock: realClock(1), rng: createRng(1) });
  const site = await createQemuSite({ runId, index: 5, site: 'edge-5', core: { dhcpPort: 6767, httpPort: port }, frameLink: link, workDir: join(work, 'a') });
  try {
    t.equal(site.engine, 'userspace');
    const during = await listLeftovers(runPrefix(runId));
    t.equal(during.links.length, 1, 'one host-side TAP');
    t.ok(during.pids.length >= 3, 'dnsmasq in the namespace and two socats on the host');
    const qd = await sh('ip', ['netns', 'exec', site.ns, 'tc', 'qdisc', 'show', 'dev', 'wan0']);
    t.notMatch(qd.stdout, /tbf|netem/, 'no kernel shaping is involved');

    const rtts = await pings(site.ns, 5);
    t.equal(rtts.length, 5, 'ICMP crosses the WAN both ways');
    // 80 ms round trip from the model: never faster (the model's floor), and the best of five close
    // to it; a busy host may delay any single ping (the event loop forwards every frame), so the
    // others are only bounded from below.
    for (const r of rtts) t.ok(r >= 79, `ping RTT ${r} ms ≥ the modelled 80 ms`);
    t.ok(Math.min(...rtts) < 140, `best ping RTT ${Math.min(...rtts)} ms ≈ 80 ms`);

    const d = await download(site.ns);
    t.equal(d.bytes, body.length, 'the whole body arrived');
    // 1 MB at 8 Mbit/s = 1.0 s of payload (+ headers, slow start over 80 ms RTT).
    t.ok(d.secs >= 1.0 && d.secs < 3, `paced by the model: ${d.secs.toFixed(2)} s`);
    t.ok(site.wan!.down.bytes > body.length, 'the frames were counted on the way down');

    link.partition('both');
    const cut = await download(site.ns, 3);
    t.equal(cut.bytes, 0, 'nothing crosses a partitioned link');
    link.heal();
    const healed = await download(site.ns);
    t.equal(healed.bytes, body.length, 'healing the model restores the real link');

    // A fault overlay (what `link-degrade` does) takes effect on the next frames.
    link.addOverlay('test', { downBps: 2e6 });
    const slow = await download(site.ns);
    t.ok(slow.secs >= 3.8, `an overlay of 2 Mbit/s slows the same download to ${slow.secs.toFixed(2)} s`);
    link.removeOverlay('test');
  } finally {
    await site.teardown();
  }
  t.same(await listLeftovers(runPrefix(runId)), { netns: [], links: [], nftTables: [], pids: [] }, 'no netns, TAP, nft table, socat or dnsmasq left');
});
