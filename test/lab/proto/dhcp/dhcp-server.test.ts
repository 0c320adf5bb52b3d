import t, { type Test } from 'tap';
import dgram from 'node:dgram';
import { startDhcpServer, type DhcpServerEvent, type BootFileQuery } from '../../../../lab/proto/dhcp/dhcp-server.ts';
import {
  decodeDhcp,
  encodeDhcp,
  newPacket,
  messageType,
  optString,
  optIp,
  optU32,
  setIp,
  setMessageType,
  encodeRelayAgentInfo,
  pxeClientOptions,
  ipxeClientOptions,
  DhcpMessageType as MT,
  type DhcpPacket,
  type PxeFirmware,
} from '../../../../lab/proto/dhcp/dhcp-packet.ts';

const UUID = '8f0e4c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b';
const SERVER = '127.21.0.254';

/** A UDP socket on the site relay's address acting as a DHCP relay with an RFC 8357 source port. */
async function fakeRelay(giaddr: string) {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, giaddr, r));
  const waiting = new Map<number, (p: DhcpPacket) => void>();
  const got: { p: DhcpPacket; from: string }[] = [];
  sock.on('message', (m, ri) => {
    const p = decodeDhcp(m);
    got.push({ p, from: `${ri.address}:${ri.port}` });
    const w = waiting.get(p.xid);
    if (w) {
      waiting.delete(p.xid);
      w(p);
    }
  });
  return {
    got,
    port: () => sock.address().port,
    /** Relay `p` (sets giaddr, hops, option 82 with relay port) and wait for the reply with its xid. */
    exchange(p: DhcpPacket, server: { host: string; port: number }, timeoutMs = 1000): Promise<DhcpPacket | null> {
      p.giaddr = giaddr;
      p.hops = 1;
      p.options.set(82, encodeRelayAgentInfo({ circuitId: 'port1', relayPort: 0 }));
      return new Promise((resolve) => {
        const tm = setTimeout(() => {
          waiting.delete(p.xid);
          resolve(null);
        }, timeoutMs);
        waiting.set(p.xid, (r) => {
          clearTimeout(tm);
          resolve(r);
        });
        sock.send(encodeDhcp(p), server.port, server.host);
      });
    },
    sendRaw(b: Buffer, server: { host: string; port: number }) {
      sock.send(b, server.port, server.host);
    },
    close: () => new Promise<void>((r) => sock.close(() => r())),
  };
}

let xid = 1000;
function clientPacket(mac: string, type: number, fw: PxeFirmware | 'ipxe', extra?: (p: DhcpPacket) => void): DhcpPacket {
  const p = newPacket(1, mac, ++xid);
  setMessageType(p, type);
  const opts = fw === 'ipxe' ? ipxeClientOptions('bios', UUID) : pxeClientOptions(fw, UUID);
  for (const [k, v] of opts) p.options.set(k, v);
  extra?.(p);
  return p;
}

function bootFile(c: BootFileQuery) {
  if (c.userClass === 'iPXE') return { file: `http://${SERVER}:8080/boot.ipxe` };
  if (c.vendorClass.startsWith('HTTPClient')) return { file: `http://${SERVER}:8080/ipxe.efi` };
  return { file: c.arch === 7 ? 'ipxe.efi' : 'undionly.kpxe' };
}

async function setup(t: Test, pool: [string, string] = ['127.21.1.100', '127.21.1.199']) {
  const events: DhcpServerEvent[] = [];
  const srv = await startDhcpServer({
    host: SERVER,
    port: 0,
    subnets: [
      { name: 'site-1', subnet: '127.21.1.0/24', relay: '127.21.1.1', poolStart: pool[0], poolEnd: pool[1] },
      { name: 'site-2', subnet: '127.21.2.0/24', relay: '127.21.2.1', poolStart: '127.21.2.10', poolEnd: '127.21.2.20', router: '127.21.2.254' },
    ],
    nextServer: SERVER,
    bootFile,
    leaseSecs: 600,
    onEvent: (e) => events.push(e),
  });
  const relay1 = await fakeRelay('127.21.1.1');
  const relay2 = await fakeRelay('127.21.2.1');
  t.teardown(async () => {
    await relay1.close();
    await relay2.close();
    await srv.close();
  });
  return { srv, relay1, relay2, events };
}

async function dora(relay: Awaited<ReturnType<typeof fakeRelay>>, srv: { address: { host: string; port: number } }, mac: string, fw: PxeFirmware | 'ipxe') {
  const offer = await relay.exchange(clientPacket(mac, MT.DISCOVER, fw), srv.address);
  if (!offer) throw new Error('no offer');
  const ack = await relay.exchange(
    clientPacket(mac, MT.REQUEST, fw, (p) => {
      setIp(p, 50, offer.yiaddr);
      setIp(p, 54, optIp(offer, 54)!);
    }),
    srv.address,
  );
  if (!ack) throw new Error('no ack');
  return { offer, ack };
}

t.test('PXEClient BIOS through a relay: offer/ack to the relay port, pool by giaddr, PXE options', async (t) => {
  const { srv, relay1, events } = await setup(t);
  const { offer, ack } = await dora(relay1, srv, '52:54:00:00:01:01', 'bios');
  t.equal(messageType(offer), MT.OFFER);
  t.equal(messageType(ack), MT.ACK);
  t.equal(offer.yiaddr, '127.21.1.100');
  t.equal(ack.yiaddr, '127.21.1.100');
  t.equal(ack.giaddr, '127.21.1.1');
  t.equal(ack.siaddr, SERVER, 'siaddr = next-server');
  t.equal(ack.file, 'undionly.kpxe');
  t.same([...ack.options.get(43)!], [6, 1, 8, 255], 'option 43 sub-option 6 = 8');
  t.equal(optString(ack, 60), 'PXEClient');
  t.equal(optIp(ack, 54), SERVER);
  t.equal(optIp(ack, 1), '255.255.255.0');
  t.equal(optIp(ack, 3), '127.21.1.1', 'router defaults to the relay');
  t.equal(optU32(ack, 51), 600);
  t.equal(relay1.got[0]!.from, `${SERVER}:${srv.address.port}`);
  const buf = encodeDhcp(ack);
  t.same(ack.options.get(82), encodeRelayAgentInfo({ circuitId: 'port1', relayPort: 0 }), 'option 82 echoed verbatim (RFC 3046)');
  const codes: number[] = [];
  for (let off = 240; off < buf.length && buf[off] !== 255; off += 2 + buf[off + 1]!) codes.push(buf[off]!);
  t.equal(codes[0], 53);
  t.equal(codes[codes.length - 1], 82, 'option 82 is the last option');
  t.same(srv.leases().map((l) => [l.mac, l.ip, l.subnet, l.state]), [['52:54:00:00:01:01', '127.21.1.100', 'site-1', 'bound']]);
  t.ok(events.some((e) => e.type === 'ack' && e.to === `127.21.1.1:${relay1.port()}`), 'reply went to the relay source port (RFC 8357)');
});

t.test('PXEClient UEFI, iPXE user class and HTTPClient get their boot files', async (t) => {
  const { srv, relay1, relay2 } = await setup(t);
  const uefi = await dora(relay2, srv, '52:54:00:00:02:01', 'uefi');
  t.equal(uefi.ack.file, 'ipxe.efi');
  t.equal(uefi.ack.yiaddr, '127.21.2.10', 'second site pool');
  t.equal(optIp(uefi.ack, 3), '127.21.2.254');
  const ipxe = await dora(relay2, srv, '52:54:00:00:02:01', 'ipxe');
  t.equal(ipxe.ack.file, `http://${SERVER}:8080/boot.ipxe`);
  t.equal(ipxe.ack.yiaddr, '127.21.2.10', 'same MAC keeps its address for the iPXE DHCP');
  t.notOk(ipxe.ack.options.has(43), 'no PXE discovery control for iPXE');
  const http = await dora(relay1, srv, '52:54:00:00:01:09', 'uefi-http');
  t.equal(optString(http.ack, 60), 'HTTPClient');
  t.equal(http.ack.file, `http://${SERVER}:8080/ipxe.efi`);
  t.notOk(http.ack.options.has(43));
});

t.test('stable lease per MAC, release, renew and INIT-REBOOT', async (t) => {
  const { srv, relay1 } = await setup(t);
  const a = await dora(relay1, srv, '52:54:00:00:03:01', 'bios');
  const b = await dora(relay1, srv, '52:54:00:00:03:02', 'bios');
  t.not(a.ack.yiaddr, b.ack.yiaddr);
  // RELEASE then DISCOVER again: same address.
  await relay1.exchange(clientPacket('52:54:00:00:03:01', MT.RELEASE, 'bios', (p) => { p.ciaddr = a.ack.yiaddr; setIp(p, 54, SERVER); }), srv.address, 100);
  t.notOk(srv.leases().some((l) => l.mac === '52:54:00:00:03:01'), 'released lease is not listed');
  const again = await dora(relay1, srv, '52:54:00:00:03:01', 'bios');
  t.equal(again.ack.yiaddr, a.ack.yiaddr);
  // RENEWING: ciaddr set, no 50/54.
  const renew = await relay1.exchange(clientPacket('52:54:00:00:03:01', MT.REQUEST, 'bios', (p) => { p.ciaddr = a.ack.yiaddr; }), srv.address);
  t.equal(messageType(renew!), MT.ACK);
  // INIT-REBOOT with the wrong address: NAK.
  const bad = await relay1.exchange(clientPacket('52:54:00:00:03:01', MT.REQUEST, 'bios', (p) => setIp(p, 50, '127.21.1.150')), srv.address);
  t.equal(messageType(bad!), MT.NAK);
  t.match(optString(bad!, 56), /holds 127\.21\.1\.100, not 127\.21\.1\.150/);
  // INIT-REBOOT on a foreign subnet: NAK.
  const foreign = await relay1.exchange(clientPacket('52:54:00:00:03:01', MT.REQUEST, 'bios', (p) => setIp(p, 50, '10.0.0.5')), srv.address);
  t.equal(messageType(foreign!), MT.NAK);
  // INIT-REBOOT of an unknown client asking a free address: granted (authoritative server).
  const fresh = await relay1.exchange(clientPacket('52:54:00:00:03:09', MT.REQUEST, 'bios', (p) => setIp(p, 50, '127.21.1.180')), srv.address);
  t.equal(messageType(fresh!), MT.ACK);
  t.equal(fresh!.yiaddr, '127.21.1.180');
  // SELECTING with another server's id: silence.
  const other = await relay1.exchange(clientPacket('52:54:00:00:03:02', MT.REQUEST, 'bios', (p) => { setIp(p, 50, b.ack.yiaddr); setIp(p, 54, '127.21.9.9'); }), srv.address, 150);
  t.equal(other, null);
});

t.test('DECLINE quarantines the address; pool exhaustion is an event and no reply', async (t) => {
  const { srv, relay1, events } = await setup(t, ['127.21.1.100', '127.21.1.101']);
  const a = await dora(relay1, srv, '52:54:00:00:04:01', 'bios');
  await relay1.exchange(clientPacket('52:54:00:00:04:01', MT.DECLINE, 'bios', (p) => { setIp(p, 50, a.ack.yiaddr); setIp(p, 54, SERVER); }), srv.address, 100);
  const b = await dora(relay1, srv, '52:54:00:00:04:01', 'bios');
  t.not(b.ack.yiaddr, a.ack.yiaddr, 'declined address is not handed out again');
  const none = await relay1.exchange(clientPacket('52:54:00:00:04:03', MT.DISCOVER, 'bios'), srv.address, 200);
  t.equal(none, null);
  t.ok(events.some((e) => e.type === 'pool-exhausted' && e.subnet === 'site-1' && e.mac === '52:54:00:00:04:03'));
});

t.test('malformed packets are events, the server keeps serving', async (t) => {
  const { srv, relay1, events } = await setup(t);
  relay1.sendRaw(Buffer.from('not dhcp'), srv.address);
  const junk = encodeDhcp(clientPacket('52:54:00:00:05:01', MT.DISCOVER, 'bios'));
  junk.writeUInt32BE(0, 236);
  relay1.sendRaw(junk, srv.address);
  const ok = await dora(relay1, srv, '52:54:00:00:05:01', 'bios');
  t.equal(messageType(ok.ack), MT.ACK);
  const bad = events.filter((e) => e.type === 'malformed');
  t.equal(bad.length, 2);
  t.match(bad[0], { error: /8 bytes, shorter than the 236-byte BOOTP header/, from: /^127\.21\.1\.1:\d+$/ });
  t.match(bad[1], { error: /magic cookie/ });
});

t.test('unknown giaddr is reported, direct loopback requests are answered to their source', async (t) => {
  const { srv, events } = await setup(t);
  const stray = await fakeRelay('127.21.7.1');
  t.teardown(() => stray.close());
  t.equal(await stray.exchange(clientPacket('52:54:00:00:06:01', MT.DISCOVER, 'bios'), srv.address, 150), null);
  t.ok(events.some((e) => e.type === 'no-subnet' && e.giaddr === '127.21.7.1'));
  // Direct: a client socket on a site address with giaddr 0.
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.21.2.77', r));
  t.teardown(() => new Promise<void>((r) => sock.close(() => r())));
  const reply = new Promise<DhcpPacket>((r) => sock.once('message', (m) => r(decodeDhcp(m))));
  sock.send(encodeDhcp(clientPacket('52:54:00:00:06:02', MT.DISCOVER, 'uefi')), srv.address.port, srv.address.host);
  const offer = await reply;
  t.equal(messageType(offer), MT.OFFER);
  t.equal(offer.yiaddr, '127.21.2.10', 'subnet chosen from the source address');
});

t.test('a throwing bootFile callback is an error event, not a crash', async (t) => {
  const events: DhcpServerEvent[] = [];
  const srv = await startDhcpServer({
    host: SERVER,
    port: 0,
    subnets: [{ name: 'site-3', subnet: '127.21.3.0/24', relay: '127.21.3.1', poolStart: '127.21.3.10', poolEnd: '127.21.3.20' }],
    nextServer: SERVER,
    bootFile: (c) => {
      if (c.arch === 7) throw new Error('no EFI build configured');
      return { file: 'undionly.kpxe' };
    },
    onEvent: (e) => events.push(e),
  });
  const relay = await fakeRelay('127.21.3.1');
  t.teardown(async () => {
    await relay.close();
    await srv.close();
  });
  t.equal(await relay.exchange(clientPacket('52:54:00:00:07:01', MT.DISCOVER, 'uefi'), srv.address, 150), null);
  t.match(events.find((e) => e.type === 'error'), { error: 'no EFI build configured', mac: '52:54:00:00:07:01' });
  const ok = await dora(relay, srv, '52:54:00:00:07:02', 'bios');
  t.equal(ok.ack.file, 'undionly.kpxe');
});

t.test('bad configuration is refused at start with the field named', async (t) => {
  const base = { host: SERVER, port: 0, nextServer: SERVER, bootFile: () => null };
  await t.rejects(startDhcpServer({ ...base, subnets: [{ name: 'x', subnet: '127.21.3.0/33', relay: '127.21.3.1', poolStart: '127.21.3.10', poolEnd: '127.21.3.20' }] }), { code: 'FLEETLAB_ERR_TARGET_START', message: /subnets\[0\]\.subnet: '127\.21\.3\.0\/33'/ });
  await t.rejects(startDhcpServer({ ...base, subnets: [{ name: 'x', subnet: '127.21.3.0/24', relay: '127.21.3.1', poolStart: '127.21.3.10', poolEnd: '127.21.4.20' }] }), { message: /subnets\[0\]: pool 127\.21\.3\.10-127\.21\.4\.20 is not an ascending range inside 127\.21\.3\.0\/24/ });
  await t.rejects(startDhcpServer({ ...base, subnets: [{ name: 'x', subnet: '127.21.3.0/24', relay: '127.21.3.x', poolStart: '127.21.3.10', poolEnd: '127.21.3.20' }] }), { message: /subnets\[0\]\.relay: '127\.21\.3\.x' is not an IPv4 address/ });
  await t.rejects(startDhcpServer({ ...base, nextServer: 'tftp.local', subnets: [] }), { message: /nextServer: 'tftp\.local'/ });
});
