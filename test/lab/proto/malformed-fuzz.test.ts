// Seeded fuzzing of the DHCP and TFTP decoders and servers: mutated real packets either decode
// or throw a coded FleetlabError naming a field; the servers report, never crash, and still
// serve a well-formed client afterwards.
import t from 'tap';
import dgram from 'node:dgram';
import { createRng, type Rng } from '../../../lab/base/rng.ts';
import {
  decodeDhcp,
  encodeDhcp,
  newPacket,
  setMessageType,
  setIp,
  pxeClientOptions,
  ipxeClientOptions,
  encodeRelayAgentInfo,
  decodeRelayAgentInfo,
  messageType,
  DhcpMessageType as MT,
} from '../../../lab/proto/dhcp/dhcp-packet.ts';
import { decodeTftp, encodeTftp } from '../../../lab/proto/tftp/tftp-packet.ts';
import { startTftpServer, type TftpServerError } from '../../../lab/proto/tftp/tftp-server.ts';
import { tftpGet } from '../../../lab/proto/tftp/tftp-client.ts';
import { startDhcpServer, type DhcpServerEvent } from '../../../lab/proto/dhcp/dhcp-server.ts';

const UUID = '8f0e4c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b';

function mutate(rng: Rng, src: Buffer): Buffer {
  const b = Buffer.from(src);
  switch (rng.int(0, 4)) {
    case 0: // flip a few bytes
      for (let k = rng.int(1, 6); k > 0; k--) b[rng.int(0, b.length)] = rng.int(0, 256);
      return b;
    case 1: // truncate
      return b.subarray(0, rng.int(0, b.length));
    case 2: // append garbage
      return Buffer.concat([b, Buffer.from(Array.from({ length: rng.int(1, 40) }, () => rng.int(0, 256)))]);
    default: // corrupt a byte inside the option area (lengths, codes)
      if (b.length > 240) b[rng.int(240, b.length)] = rng.int(0, 256);
      else {
        const i = rng.int(0, b.length);
        b[i] = (b[i] ?? 0) ^ 0xff;
      }
      return b;
  }
}

function dhcpSamples(): Buffer[] {
  const out: Buffer[] = [];
  for (const fw of ['bios', 'uefi', 'uefi-http'] as const) {
    const p = newPacket(1, '52:54:00:aa:bb:cc', 42);
    setMessageType(p, MT.DISCOVER);
    for (const [k, v] of (fw === 'bios' ? ipxeClientOptions(fw, UUID) : pxeClientOptions(fw, UUID))) p.options.set(k, v);
    p.giaddr = '127.21.7.1';
    p.options.set(82, encodeRelayAgentInfo({ circuitId: 'c', remoteId: 'r', relayPort: 0 }));
    out.push(encodeDhcp(p));
    setMessageType(p, MT.REQUEST);
    setIp(p, 50, '127.21.7.10');
    setIp(p, 54, '127.21.7.254');
    out.push(encodeDhcp(p));
  }
  return out;
}

t.test('DHCP decoder: 20,000 mutated packets decode or fail with a coded, field-naming error', async (t) => {
  const rng = createRng(2131);
  const samples = dhcpSamples();
  let decoded = 0;
  let rejected = 0;
  const other: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    const b = mutate(rng, samples[i % samples.length]!);
    try {
      const p = decodeDhcp(b);
      decoded++;
      const rai = p.options.get(82);
      if (rai) {
        try {
          decodeRelayAgentInfo(rai);
        } catch (e) {
          if ((e as { code?: string }).code !== 'FLEETLAB_ERR_DHCP_MALFORMED') other.push(String(e));
        }
      }
    } catch (e) {
      rejected++;
      const err = e as { code?: string; message?: string };
      if (err.code !== 'FLEETLAB_ERR_DHCP_MALFORMED' || !/^DHCP packet malformed: (packet is|magic cookie|op|hlen|options|file|sname)/.test(err.message ?? '')) other.push(String(e));
    }
  }
  t.same(other.slice(0, 5), [], 'no uncoded or unnamed errors');
  t.ok(decoded > 1000 && rejected > 1000, `both outcomes exercised (${decoded} decoded, ${rejected} rejected)`);
});

t.test('TFTP decoder: mutated packets decode or fail with a coded error', async (t) => {
  const rng = createRng(1350);
  const samples = [
    encodeTftp({ op: 'RRQ', file: 'undionly.kpxe', mode: 'octet', options: new Map([['tsize', '0'], ['blksize', '1468']]) }),
    encodeTftp({ op: 'OACK', options: new Map([['tsize', '123456'], ['blksize', '1468']]) }),
    encodeTftp({ op: 'ERROR', code: 1, message: 'File not found' }),
    encodeTftp({ op: 'ACK', block: 9 }),
    encodeTftp({ op: 'DATA', block: 9, data: Buffer.alloc(30, 1) }),
  ];
  const other: string[] = [];
  let rejected = 0;
  for (let i = 0; i < 20_000; i++) {
    try {
      decodeTftp(mutate(rng, samples[i % samples.length]!));
    } catch (e) {
      rejected++;
      if ((e as { code?: string }).code !== 'FLEETLAB_ERR_TFTP_MALFORMED') other.push(String(e));
    }
  }
  t.same(other.slice(0, 5), []);
  t.ok(rejected > 1000, `${rejected} rejected`);
});

t.test('servers survive a burst of garbage and keep serving', async (t) => {
  const dhcpEvents: DhcpServerEvent[] = [];
  const dhcp = await startDhcpServer({
    host: '127.21.7.254',
    port: 0,
    subnets: [{ name: 's', subnet: '127.21.7.0/24', relay: '127.21.7.1', poolStart: '127.21.7.10', poolEnd: '127.21.7.250' }],
    nextServer: '127.21.7.254',
    bootFile: () => ({ file: 'undionly.kpxe' }),
    onEvent: (e) => dhcpEvents.push(e),
  });
  const tftpErrors: TftpServerError[] = [];
  const tftp = await startTftpServer({ host: '127.21.7.254', port: 0, files: (n) => (n === 'f' ? Buffer.alloc(5000, 7) : null), onError: (e) => tftpErrors.push(e) });
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.21.7.1', r));
  t.teardown(async () => {
    await new Promise<void>((r) => sock.close(() => r()));
    await dhcp.close();
    await tftp.close();
  });
  const rng = createRng(7440);
  const dSamples = dhcpSamples();
  const tSamples = [
    encodeTftp({ op: 'RRQ', file: 'f', mode: 'octet', options: new Map([['blksize', '1468'], ['windowsize', '4']]) }),
    encodeTftp({ op: 'ACK', block: 1 }),
  ];
  for (let i = 0; i < 2000; i++) {
    sock.send(mutate(rng, dSamples[i % dSamples.length]!), dhcp.address.port, dhcp.address.host);
    // Mutated TFTP RRQs that still parse start transfers nobody ACKs; keep those few.
    if (i % 10 === 0) sock.send(mutate(rng, tSamples[i % 2]!), tftp.address.port, tftp.address.host);
  }
  // Wait for what the servers do with what they receive (generous deadline), not a fixed 300 ms.
  for (const end = Date.now() + 30_000; Date.now() < end && !(dhcpEvents.some((e) => e.type === 'malformed') && tftpErrors.length > 0); ) await new Promise((r) => setTimeout(r, 20));
  t.ok(dhcpEvents.some((e) => e.type === 'malformed'), 'DHCP garbage reported as malformed events');
  t.ok(tftpErrors.length > 0, 'TFTP garbage reported through onError');

  // A well-formed client still gets served by both.
  const reply = new Promise<Buffer>((r) => {
    sock.on('message', (m) => {
      try {
        const p = decodeDhcp(m);
        if (p.xid === 777 && p.chaddr === '52:54:00:77:77:77') r(m);
      } catch {
        // replies to mutated packets may be anything we sent
      }
    });
  });
  const p = newPacket(1, '52:54:00:77:77:77', 777);
  setMessageType(p, MT.DISCOVER);
  for (const [k, v] of pxeClientOptions('bios', UUID)) p.options.set(k, v);
  p.giaddr = '127.21.7.1';
  p.options.set(82, encodeRelayAgentInfo({ relayPort: 0 }));
  sock.send(encodeDhcp(p), dhcp.address.port, dhcp.address.host);
  t.equal(messageType(decodeDhcp(await reply)), MT.OFFER);
  const r = await tftpGet({ server: tftp.address, file: 'f', localAddress: '127.21.7.2' });
  t.equal(r.bytes, 5000);
});
