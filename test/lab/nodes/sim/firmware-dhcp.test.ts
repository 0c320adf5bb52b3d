/**
 * What a simulated node's firmware puts on the wire, captured between the site relay and the
 * reference server's DHCP socket by a UDP tap (relay → tap → server; the server still answers
 * the relay directly at giaddr).
 */
import t, { type Test } from 'tap';
import { createSocket } from 'node:dgram';
import { startReferenceServer } from '../../../../harness/targets/reference/reference-server.ts';
import { startLab } from '../../../../lab/lab.ts';
import { resolveLab } from '../../../../lab/config/lab-spec.ts';
import { realClock } from '../../../../lab/base/clock.ts';
import { createRng } from '../../../../lab/base/rng.ts';
import type { EventBody } from '../../../../lab/base/event.ts';
import { genericInstaller } from '../../../../lab/nodes/sim/personas/generic-installer.ts';
import { decodeDhcp, decodeRelayAgentInfo, messageType, optString, DhcpOption, type DhcpPacket } from '../../../../lab/proto/dhcp/dhcp-packet.ts';

async function bootOneNode(t: Test, firmware: 'uefi' | 'bios', profile = firmware === 'uefi' ? 'generic-uefi' : 'legacy-bios') {
  const spec = resolveLab({ sites: 1, nodesPerSite: 1, timeScale: 0, profile, bmc: { ipmi: false } }, 5);
  const site = spec.sites[0]!;
  const server = await startReferenceServer({ subnets: [{ name: site.name, subnet: site.subnet, relay: site.relay, poolStart: site.poolStart, poolEnd: site.poolEnd }] });
  t.teardown(() => server.close());
  // The tap: relays send here; it records and forwards to the real DHCP socket. The server
  // answers the tap's upstream port (RFC 8357: the relayed packet's source port) at giaddr, so
  // upstream binds the wildcard address and hands replies back to the relay.
  const captured: DhcpPacket[] = [];
  const tap = createSocket('udp4');
  const upstream = createSocket('udp4');
  await new Promise<void>((r) => tap.bind(0, '127.0.0.1', () => r()));
  await new Promise<void>((r) => upstream.bind(0, '0.0.0.0', () => r()));
  const relayAddr = new Map<number, { address: string; port: number }>();
  tap.on('message', (msg, rinfo) => {
    captured.push(decodeDhcp(msg));
    relayAddr.set(0, rinfo);
    upstream.send(msg, server.dhcp.port, server.dhcp.host);
  });
  upstream.on('message', (msg) => {
    const relay = relayAddr.get(0);
    if (relay) tap.send(msg, relay.port, relay.address);
  });
  t.teardown(() => {
    tap.close();
    upstream.close();
  });
  const events: EventBody[] = [];
  const ac = new AbortController();
  const lab = await startLab({
    spec,
    events: { emit: (e) => events.push(e) },
    clock: realClock(0),
    rng: createRng(5),
    boot: { dhcp: { host: '127.0.0.1', port: (tap.address()).port }, relayPort: 0, tftp: server.tftp },
    persona: () => genericInstaller,
    signal: ac.signal,
  });
  t.teardown(async () => {
    ac.abort();
    await lab.close();
  });
  const node = lab.nodes[0]!;
  const enroll = await fetch(`${server.http.url}/nodes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: node.name, macs: node.spec.macs, firmware, bmc: { url: lab.redfish!.url, systemId: node.bmc.id, username: 'admin', password: 'password' } }),
  });
  t.equal(enroll.status, 201);
  const img = server.image('img', 100_000);
  const prov = await fetch(`${server.http.url}/nodes/${node.name}/provision`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image: img }) });
  t.equal(prov.status, 202);
  await waitFor(() => events.some((e) => e.kind === 'node.ready'), 20_000);
  return { captured, events, node, site, lab };
}

async function waitFor(cond: () => boolean, ms: number) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

t.test('UEFI node: PXE DHCP carries options 60/93/94/97, iPXE DHCP adds user class 77, relayed with giaddr + option 82', async (t) => {
  const { captured, events, node, site } = await bootOneNode(t, 'uefi');
  const mine = captured.filter((p) => p.chaddr === node.spec.macs[0]);
  const pxe = mine.filter((p) => !p.options.has(DhcpOption.USER_CLASS));
  const ipxe = mine.filter((p) => p.options.has(DhcpOption.USER_CLASS));
  t.ok(pxe.length >= 2, 'PXE ROM DISCOVER + REQUEST');
  t.ok(ipxe.length >= 2, 'iPXE DISCOVER + REQUEST');
  t.same(pxe.slice(0, 2).map((p) => messageType(p)), [1, 3], 'DISCOVER then REQUEST');
  for (const p of pxe) {
    t.equal(optString(p, 60), 'PXEClient:Arch:00007:UNDI:003016', 'option 60 vendor class of x64 UEFI firmware');
    t.same([...p.options.get(93)!], [0, 7], 'option 93 client arch 7 (EFI x64)');
    t.same([...p.options.get(94)!], [1, 3, 16], 'option 94 NDI UNDI 3.16');
    const uuid = p.options.get(97)!;
    t.equal(uuid.length, 17, 'option 97: 17 bytes');
    t.equal(uuid[0], 0, 'option 97 type 0');
    t.equal(p.giaddr, site.relay, 'giaddr = site relay');
    t.equal(p.hops, 1, 'hops incremented by the relay');
    const ri = decodeRelayAgentInfo(p.options.get(82)!);
    t.equal(ri.relayPort, 0, 'RFC 8357 relay port sub-option present (non-root relay)');
  }
  for (const p of ipxe) t.equal(optString(p, 77), 'iPXE', 'second DHCP: user class 77 = iPXE');
  const acks = events.filter((e) => e.kind === 'dhcp.ack');
  t.same(
    acks.map((e) => (e.kind === 'dhcp.ack' ? [e.stage, e.bootFile] : [])),
    [
      ['pxe', 'ipxe.efi'],
      ['ipxe', acks[1]!.kind === 'dhcp.ack' ? acks[1]!.bootFile : ''],
    ],
  );
  t.match(acks[1]!.kind === 'dhcp.ack' ? acks[1]!.bootFile : '', /^http:\/\/127\.0\.0\.1:\d+\/boot\.ipxe$/, 'iPXE is pointed at the HTTP script');
  const ready = events.find((e) => e.kind === 'node.ready');
  t.same(ready, { kind: 'node.ready', node: node.name, image: 'img' }, 'node booted its disk with the image');
});

t.test('BIOS node: arch 0, UNDI 2.1, TFTP undionly.kpxe', async (t) => {
  const { captured, events, node } = await bootOneNode(t, 'bios');
  const p = captured.find((x) => x.chaddr === node.spec.macs[0])!;
  t.equal(optString(p, 60), 'PXEClient:Arch:00000:UNDI:002001');
  t.same([...p.options.get(93)!], [0, 0]);
  t.same([...p.options.get(94)!], [1, 2, 1]);
  const tftp = events.find((e) => e.kind === 'tftp.done');
  t.match(tftp, { file: 'undionly.kpxe', bytes: 70_000, blksize: 1468 });
});

t.test('a node whose NIC ROM is iPXE (profile qemu-pc): one DHCP with user class iPXE, then the script — no TFTP', async (t) => {
  const { captured, events, node } = await bootOneNode(t, 'bios', 'qemu-pc');
  const mine = captured.filter((p) => p.chaddr === node.spec.macs[0]);
  t.ok(mine.length >= 2, 'DISCOVER + REQUEST');
  for (const p of mine.slice(0, 2)) {
    t.equal(optString(p, 77), 'iPXE', 'the ROM itself sends user class 77 = iPXE');
    t.same([...p.options.get(93)!], [0, 0], 'BIOS arch 0');
  }
  t.notOk(events.some((e) => e.kind === 'tftp.done'), 'no TFTP transfer');
  const phases = events.flatMap((e) => (e.kind === 'node.phase' ? [e.phase] : []));
  t.notOk(phases.includes('tftp') || phases.includes('ipxe-dhcp'), 'no tftp or ipxe-dhcp phase');
  t.same(phases.slice(phases.indexOf('dhcp'), phases.indexOf('dhcp') + 2), ['dhcp', 'script']);
  t.ok(events.some((e) => e.kind === 'node.ready'), 'and it provisions');
});
