/**
 * DHCP server throughput: a fake relay (one UDP socket on 127.21.8.1 with an RFC 8357 relay
 * port) runs DISCOVER→OFFER→REQUEST→ACK for N distinct MACs with `window` exchanges in flight,
 * against the reference server on one socket. Prints exchanges/s, packets/s and CPU seconds.
 *
 *   npx tsx bench/dhcp-server-rate.ts [clients=20000] [window=64]
 *
 * Not a test: numbers depend on the machine and its load. Also the codec alone (no sockets).
 */
import dgram from 'node:dgram';
import { startDhcpServer } from '../lab/proto/dhcp/dhcp-server.ts';
import {
  decodeDhcp,
  encodeDhcp,
  newPacket,
  setMessageType,
  setIp,
  pxeClientOptions,
  encodeRelayAgentInfo,
  messageType,
  DhcpMessageType as MT,
} from '../lab/proto/dhcp/dhcp-packet.ts';

const clients = Number(process.argv[2] ?? 20000);
const window = Number(process.argv[3] ?? 64);
const UUID = '8f0e4c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b';
const GI = '127.21.8.1';

function mac(i: number): string {
  return `52:54:00:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
}

const pxe = pxeClientOptions('bios', UUID);
const rai = encodeRelayAgentInfo({ circuitId: 'bench', relayPort: 0 });
function packet(i: number, type: number, ip?: string): Buffer {
  const p = newPacket(1, mac(i), (i << 1) | (type === MT.REQUEST ? 1 : 0));
  setMessageType(p, type);
  for (const [k, v] of pxe) p.options.set(k, v);
  if (ip) {
    setIp(p, 50, ip);
    setIp(p, 54, '127.21.8.254');
  }
  p.giaddr = GI;
  p.hops = 1;
  p.options.set(82, rai);
  return encodeDhcp(p);
}

// 1. Codec only.
{
  const buf = packet(1, MT.DISCOVER);
  const n = 200_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) encodeDhcp(decodeDhcp(buf));
  const ms = performance.now() - t0;
  console.log(`codec: decode+encode ${Math.round(n / (ms / 1000))}/s (${((ms * 1000) / n).toFixed(2)} µs each)`);
}

// 2. Server over loopback.
const srv = await startDhcpServer({
  host: '127.21.8.254',
  port: 0,
  subnets: [{ name: 'bench', subnet: '127.21.0.0/16', relay: GI, poolStart: '127.21.16.0', poolEnd: '127.21.255.254' }],
  nextServer: '127.21.8.254',
  bootFile: (c) => ({ file: c.arch === 7 ? 'ipxe.efi' : 'undionly.kpxe' }),
});
const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
await new Promise<void>((r) => sock.bind(0, GI, r));
let next = 0;
let acks = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const done = new Promise<void>((resolve) => {
  sock.on('message', (m) => {
    const p = decodeDhcp(m);
    const i = p.xid >>> 1;
    if (messageType(p) === MT.OFFER) sock.send(packet(i, MT.REQUEST, p.yiaddr), srv.address.port, srv.address.host);
    else if (messageType(p) === MT.ACK) {
      acks++;
      if (next < clients) sock.send(packet(next++, MT.DISCOVER), srv.address.port, srv.address.host);
      if (acks === clients) resolve();
    }
  });
});
for (; next < Math.min(window, clients); next++) sock.send(packet(next, MT.DISCOVER), srv.address.port, srv.address.host);
await done;
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
console.log(
  `server: ${clients} DORA exchanges in ${ms.toFixed(0)} ms = ${Math.round(clients / (ms / 1000))} exchanges/s (${Math.round((4 * clients) / (ms / 1000))} packets/s), ` +
    `process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s (client + server in one process), leases ${srv.leases().length}`,
);
sock.close();
await srv.close();
