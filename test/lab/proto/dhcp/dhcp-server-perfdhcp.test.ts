// Interop with a real DHCP client: Kea's perfdhcp (Debian package kea-admin). perfdhcp always
// acts as a relay (giaddr = its -l address, which must be configured on an interface, hence
// 127.0.0.1). It can use a high local port (-L) and add option 82 with the RFC 8357 relay-port
// sub-option (-o 82,1302…), so the whole exchange works without root.
import t from 'tap';
import dgram from 'node:dgram';
import { spawn, spawnSync } from 'node:child_process';
import { startDhcpServer, type DhcpServerEvent } from '../../../../lab/proto/dhcp/dhcp-server.ts';

async function freePort(host: string): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, host, r));
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

/** Run perfdhcp without blocking the event loop the server under test runs on. */
function runPerfdhcp(args: string[]) {
  return new Promise<{ status: number | null; out: string }>((resolve) => {
    const c = spawn('perfdhcp', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (out += d.toString()));
    c.on('error', (e) => resolve({ status: null, out: e.message }));
    c.on('close', (status) => resolve({ status, out }));
  });
}

t.test('perfdhcp as an RFC 8357 relay on high ports gets every exchange answered', async (t) => {
  const which = spawnSync('sh', ['-c', 'command -v perfdhcp']);
  t.equal(which.status, 0, 'perfdhcp is installed (Debian package kea-admin, in .ci/apt-packages.sh)');
  if (which.status !== 0) return;
  const events: DhcpServerEvent[] = [];
  const srv = await startDhcpServer({
    host: '127.21.11.254',
    port: 0,
    subnets: [{ name: 'lo', subnet: '127.0.0.0/8', relay: '127.0.0.1', poolStart: '127.21.12.0', poolEnd: '127.21.12.255' }],
    nextServer: '127.21.11.254',
    bootFile: (c) => ({ file: c.arch === 7 ? 'ipxe.efi' : 'undionly.kpxe' }),
    onEvent: (e) => events.push(e),
  });
  t.teardown(() => srv.close());
  const local = await freePort('127.0.0.1');
  const vendorClass = Buffer.from('PXEClient:Arch:00000:UNDI:002001').toString('hex');
  const r = await runPerfdhcp([
    '-4', '-l', '127.0.0.1', '-L', String(local), '-N', String(srv.address.port),
    // -d / -W: an answer counts if it comes within 5 s, and perfdhcp waits 3 s after its last
    // request (default 1 s / 0.5 s: a loaded host's late answers were "dropped exchanges").
    '-r', '200', '-R', '100', '-n', '200', '-d', '5', '-W', '3000000',
    '-o', '82,13020000', // relay agent info: sub-option 19 (relay source port), length 2
    '-o', `60,${vendorClass}`,
    srv.address.host,
  ]);
  t.equal(r.status, 0, 'perfdhcp exit 0 (3 would mean dropped exchanges)');
  const m = /DISCOVER-OFFER\*\*\*\s*sent packets: (\d+)\s*received packets: (\d+)/.exec(r.out);
  t.ok(m, 'perfdhcp printed DISCOVER-OFFER statistics');
  t.equal(m?.[2], m?.[1], 'every DISCOVER got its OFFER');
  const acks = events.filter((e) => e.type === 'ack');
  t.ok(acks.length > 0);
  t.ok(acks.every((e) => e.type === 'ack' && e.file === 'undionly.kpxe' && e.to === `127.0.0.1:${local}`), 'PXE boot file, replies to the relay source port');
  t.ok(srv.leases().length <= 100, 'one lease per simulated client (-R 100)');
});
