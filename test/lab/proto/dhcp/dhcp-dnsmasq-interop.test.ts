// A real DHCP server as the oracle for the codec and the firmware option sets: dnsmasq (Debian
// dnsmasq-base, in the CI package list) on high ports (--dhcp-alternate-port), no root needed.
// It must classify our PXE BIOS / UEFI x64 / iPXE packets with the dnsmasq tags from the notes
// (client-arch 7 → efi64, user class iPXE → ipxe) and its replies must decode.
// dnsmasq's DHCP insists on CAP_NET_ADMIN even on high ports, so this test needs root (CI runs
// as root); without it the test fails saying so rather than timing out.
import t from 'tap';
import dgram from 'node:dgram';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeDhcp,
  encodeDhcp,
  newPacket,
  setMessageType,
  setIp,
  optIp,
  optString,
  messageType,
  pxeClientOptions,
  ipxeClientOptions,
  DhcpMessageType as MT,
  type DhcpPacket,
} from '../../../../lab/proto/dhcp/dhcp-packet.ts';

const UUID = '8f0e4c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b';
const RELAY = '127.21.16.1';

function dnsmasqPath(): string | null {
  for (const p of ['dnsmasq', '/usr/sbin/dnsmasq']) if (spawnSync(p, ['--version']).status === 0) return p;
  return null;
}

async function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

t.test('dnsmasq tags our PXE BIOS, UEFI and iPXE packets as the notes say, and its replies decode', async (t) => {
  const bin = dnsmasqPath();
  t.ok(bin, 'dnsmasq is installed (Debian dnsmasq-base)');
  if (!bin) return;
  const dir = mkdtempSync(join(tmpdir(), 'fleetlab-dnsmasq-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'dnsmasq.conf'),
    [
      'port=0', 'no-resolv', 'no-hosts', 'bind-dynamic', 'listen-address=127.0.0.1', 'no-ping', 'log-dhcp',
      `dhcp-alternate-port=${port},${port + 1}`,
      'dhcp-range=127.21.16.100,127.21.16.200,255.255.255.0,1h',
      'dhcp-match=set:efi64,option:client-arch,7',
      'dhcp-userclass=set:ipxe,iPXE',
      'dhcp-boot=tag:!ipxe,tag:efi64,ipxe.efi,,127.21.16.254',
      'dhcp-boot=tag:!ipxe,tag:!efi64,undionly.kpxe,,127.21.16.254',
      'dhcp-boot=tag:ipxe,http://127.21.16.254/boot.ipxe',
      `dhcp-leasefile=${join(dir, 'leases')}`,
      `pid-file=${join(dir, 'pid')}`,
      `log-facility=${join(dir, 'log')}`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(bin, ['--keep-in-foreground', `--conf-file=${join(dir, 'dnsmasq.conf')}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  t.teardown(async () => {
    if (child.exitCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  // The site relay: replies come back to giaddr on dnsmasq's server port.
  const sock = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  await new Promise<void>((r) => sock.bind(port, RELAY, r));
  t.teardown(() => new Promise<void>((r) => sock.close(() => r())));
  const waiting = new Map<number, (p: DhcpPacket) => void>();
  sock.on('message', (m) => {
    const p = decodeDhcp(m);
    waiting.get(p.xid)?.(p);
  });
  let xid = 9000;
  const exchange = (p: DhcpPacket, ms = 800): Promise<DhcpPacket | null> => {
    p.giaddr = RELAY;
    p.hops = 1;
    return new Promise((resolve) => {
      const tm = setTimeout(() => resolve(null), ms);
      waiting.set(p.xid, (r) => {
        clearTimeout(tm);
        resolve(r);
      });
      sock.send(encodeDhcp(p), port, '127.0.0.1');
    });
  };
  // dnsmasq needs a moment to open its socket: retry the first DISCOVER.
  const cases = [
    ['bios', '52:54:00:16:00:01', pxeClientOptions('bios', UUID), 'undionly.kpxe'],
    ['uefi', '52:54:00:16:00:02', pxeClientOptions('uefi', UUID), 'ipxe.efi'],
    ['ipxe', '52:54:00:16:00:03', ipxeClientOptions('uefi', UUID), 'http://127.21.16.254/boot.ipxe'],
  ] as const;
  for (const [label, mac, opts, file] of cases) {
    let offer: DhcpPacket | null = null;
    for (let i = 0; i < 10 && !offer && child.exitCode === null; i++) {
      const d = newPacket(1, mac, ++xid);
      setMessageType(d, MT.DISCOVER);
      for (const [k, v] of opts) d.options.set(k, v);
      offer = await exchange(d);
    }
    if (child.exitCode !== null) {
      t.fail(`dnsmasq exited with ${child.exitCode}: ${stderr.trim()} (needs root or CAP_NET_ADMIN)`);
      return;
    }
    t.ok(offer, `${label}: OFFER`);
    if (!offer) return;
    t.equal(messageType(offer), MT.OFFER);
    const q = newPacket(1, mac, ++xid);
    setMessageType(q, MT.REQUEST);
    for (const [k, v] of opts) q.options.set(k, v);
    setIp(q, 50, offer.yiaddr);
    setIp(q, 54, optIp(offer, 54)!);
    const ack = await exchange(q);
    t.equal(ack && messageType(ack), MT.ACK, `${label}: ACK`);
    t.equal(ack?.yiaddr, offer.yiaddr);
    t.equal(ack && (ack.file || optString(ack, 67)), file, `${label}: boot file ${file}`);
  }
  const log = readFileSync(join(dir, 'log'), 'utf8');
  t.match(log, /vendor class: PXEClient:Arch:00000:UNDI:002001/);
  t.match(log, /vendor class: PXEClient:Arch:00007:UNDI:003016/);
  t.match(log, /user class: iPXE/);
  t.match(log, /tags: ipxe, efi64/);
});
