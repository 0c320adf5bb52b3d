/**
 * A real qemu-tier site (root: network namespaces, veth, nft, tc, dnsmasq): traffic from inside
 * the site namespace reaches a server on host loopback through the CORE address, the link
 * profile is applied with tbf/nft (the 'kernel' engine; the default userspace engine has its own
 * test), and teardown (or `lab gc` after a crash) leaves nothing.
 */
import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createQemuSite } from '../../../../lab/net/netns/qemu-site.ts';
import { gcLeftovers, listLeftovers, runPrefix } from '../../../../lab/net/netns/gc.ts';
import { CORE_ADDR } from '../../../../lab/net/netns/naming.ts';
import { sh } from '../../../../lab/net/netns/sh.ts';
import { IDEAL_LINK, type LinkProfile } from '../../../../lab/net/link-spec.ts';

const work = mkdtempSync(join(tmpdir(), 'fl-site-test-'));
const body = Buffer.alloc(1_000_000, 7);
const server = createServer((req, res) => {
  res.writeHead(200, { 'content-length': body.length, 'x-peer': req.socket.remoteAddress ?? '' });
  res.end(body);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
const port = (server.address() as AddressInfo).port;
t.teardown(() => new Promise<void>((r) => server.close(() => r())));

const fetchFromNs = async (ns: string, timeout = 20) =>
  sh('ip', ['netns', 'exec', ns, 'busybox', 'sh', '-c', `t0=$(cut -d' ' -f1 /proc/uptime); busybox timeout ${timeout} busybox wget -q -O - http://${CORE_ADDR}:${port}/x | wc -c; cut -d' ' -f1 /proc/uptime; echo $t0`], { timeoutMs: (timeout + 5) * 1000 });

t.test('a site reaches the host loopback server via CORE, shaped by the link profile, and tears down to nothing', async (t) => {
  const runId = `site-test-${process.pid}`;
  const link: LinkProfile = { ...IDEAL_LINK, downBps: 8e6, upBps: 8e6 };
  const site = await createQemuSite({ runId, index: 7, site: 'edge-7', core: { dhcpPort: 6767, httpPort: port }, link, engine: 'kernel', workDir: join(work, 'a') });
  try {
    t.equal(site.gateway, '10.213.7.1');
    const before = await listLeftovers(runPrefix(runId));
    t.same(before.netns, [site.ns], 'the namespace carries the run prefix');
    t.ok(before.links.length === 1 && before.nftTables.length === 1, 'one host veth and one host nft table');
    const r = await fetchFromNs(site.ns);
    const [bytes, end, start] = r.stdout.trim().split('\n').map(Number);
    t.equal(bytes, body.length, 'the whole body arrived through the veth WAN + DNAT');
    const secs = end! - start!;
    // 1 MB at 8 Mbit/s = 1.0 s on the wire (+ TCP ramp-up); unshaped it takes a few ms.
    t.ok(secs >= 0.8, `download paced by tbf: ${secs.toFixed(2)} s`);
    const qd = await sh('ip', ['netns', 'exec', site.ns, 'tc', 'qdisc', 'show', 'dev', 'wan0']);
    t.match(qd.stdout, /tbf .*rate 8Mbit/);
    // Partition both ways: the same request now fails.
    await site.setLink({ ...link, partition: 'both' });
    const cut = await fetchFromNs(site.ns, 3);
    t.equal(Number(cut.stdout.trim().split('\n')[0]), 0, 'nothing crosses a partitioned link');
    await site.setLink(link);
    const healed = await fetchFromNs(site.ns);
    t.equal(Number(healed.stdout.trim().split('\n')[0]), body.length, 'healing restores the link');
    const tap = await site.addTap(0);
    t.equal(tap, 'tap0');
    const br = await sh('ip', ['netns', 'exec', site.ns, 'ip', '-o', 'link', 'show', 'master', 'br0']);
    t.match(br.stdout, /tap0/);
  } finally {
    await site.teardown();
  }
  const after = await listLeftovers(runPrefix(runId));
  t.same(after, { netns: [], links: [], nftTables: [], pids: [] }, 'no netns, veth, nft table or process left');
});

t.test('lab gc removes what a run that never tore down left behind (processes included)', async (t) => {
  const runId = `gc-test-${process.pid}`;
  const site = await createQemuSite({ runId, index: 9, site: 'edge-9', core: { dhcpPort: 6767 }, workDir: join(work, 'b') });
  // Simulate a SIGKILLed run: resources exist, teardown never runs (a sleeper stands in for qemu).
  const sleeper = await sh('sh', ['-c', `ip netns exec ${site.ns} sleep 300 >/dev/null 2>&1 & echo $!`]);
  const left = await listLeftovers(runPrefix(runId));
  t.equal(left.netns.length, 1);
  t.ok(left.pids.length >= 4, 'dnsmasq and the sleeper in the namespace, two WAN socats on the host');
  const r = await gcLeftovers({ prefix: runPrefix(runId) });
  t.same(r.netns, [site.ns]);
  t.ok(r.killed.includes(Number(sleeper.stdout.trim())), 'processes are reaped by PID');
  t.same(await listLeftovers(runPrefix(runId)), { netns: [], links: [], nftTables: [], pids: [] });
  await site.teardown(); // idempotent after gc: nothing to do, must not throw
});
