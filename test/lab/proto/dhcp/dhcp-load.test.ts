// `fleetlab dhcp-load`: the load generator's counts agree with what the server under test saw
// (the reference server's events; real Kea's lease file), its text is laid out as perfdhcp's,
// and bad input is a usage error. Rates are low and drop times generous: on a busy host the
// assertion is accounting (sent = received + drops), not that nothing was dropped.
import t from 'tap';
import { startDhcpServer, type DhcpServerEvent } from '../../../../lab/proto/dhcp/dhcp-server.ts';
import { runDhcpLoad } from '../../../../lab/proto/dhcp/dhcp-load.ts';
import { startKea } from '../../../../harness/targets/kea/kea-process.ts';
import { fleetlab } from '../../../helpers/cli.ts';

t.test('every exchange the reference server acknowledged is counted, once', async (t) => {
  const events: DhcpServerEvent[] = [];
  const srv = await startDhcpServer({
    host: '127.21.31.254',
    port: 0,
    subnets: [{ name: 'lo', subnet: '127.0.0.0/8', relay: '127.21.31.1', poolStart: '127.21.32.0', poolEnd: '127.21.32.255' }],
    nextServer: '127.21.31.254',
    bootFile: () => ({ file: 'undionly.kpxe' }),
    onEvent: (e) => events.push(e),
  });
  t.teardown(() => srv.close());
  const r = await runDhcpLoad({ server: srv.address, localAddress: '127.21.31.1', rate: 200, exchanges: 300, clients: 40, dropTimeMs: 10_000, exitWaitMs: 3000 });
  const acks = events.filter((e) => e.type === 'ack').length;
  t.equal(r.discoverOffer.sent, 300, 'initiated exactly -n exchanges');
  t.equal(r.discoverOffer.received + r.discoverOffer.drops, r.discoverOffer.sent, 'DISCOVER-OFFER: sent = received + drops');
  t.equal(r.requestAck.sent, r.discoverOffer.received, 'one REQUEST per timely OFFER (late ones are not received)');
  t.equal(r.requestAck.received + r.requestAck.drops, r.requestAck.sent, 'REQUEST-ACK: sent = received + drops');
  t.ok(r.requestAck.received <= acks, `no more ACKs counted (${r.requestAck.received}) than the server sent (${acks})`);
  t.ok(r.requestAck.received > 0, 'exchanges completed');
  const macs = new Set(events.flatMap((e) => (e.type === 'ack' ? [e.mac] : [])));
  t.ok(macs.size <= 40, `at most -R distinct clients (${macs.size})`);
  t.ok(r.discoverOffer.minMs <= r.discoverOffer.avgMs && r.discoverOffer.avgMs <= r.discoverOffer.maxMs, 'min ≤ avg ≤ max');
});

t.test('against real Kea, the CLI prints perfdhcp-style blocks and Kea leased the clients it drove', async (t) => {
  const kea = await startKea({
    listenAddress: '127.0.0.1',
    port: 6791,
    subnets: [{ name: 'load', subnet: '127.0.0.0/8', relay: '127.21.33.1', poolStart: '127.21.34.1', poolEnd: '127.21.34.250' }],
    tftpServer: '127.0.0.1',
    biosBootFile: 'undionly.kpxe',
    uefiBootFile: 'ipxe.efi',
    ipxeScriptUrl: 'http://127.0.0.1/boot.ipxe',
    httpBootUrl: 'http://127.0.0.1/ipxe.efi',
  });
  t.teardown(() => kea.stop());
  const r = await fleetlab(['dhcp-load', '127.0.0.1:6791', '-l', '127.21.33.1', '-r', '50', '-n', '100', '-R', '20', '-d', '10', '-W', '3000000']);
  t.match(r.stdout, /\*\*\*Rate statistics\*\*\*\nRate: [\d.]+ 4-way exchanges\/second, expected rate: 50/);
  t.match(r.stdout, /\*\*\*Statistics for: DISCOVER-OFFER\*\*\*\nsent packets: 100\nreceived packets: \d+\ndrops: \d+/);
  t.match(r.stdout, /\*\*\*Statistics for: REQUEST-ACK\*\*\*/);
  const received = Number(/REQUEST-ACK\*\*\*\nsent packets: \d+\nreceived packets: (\d+)/.exec(r.stdout)?.[1]);
  const drops = Number(/REQUEST-ACK\*\*\*\nsent packets: \d+\nreceived packets: \d+\ndrops: (\d+)/.exec(r.stdout)?.[1]);
  t.equal(r.code, drops > 0 || /DISCOVER-OFFER\*\*\*\nsent packets: 100\nreceived packets: \d+\ndrops: [1-9]/.test(r.stdout) ? 3 : 0, 'exit 3 exactly when something dropped, as perfdhcp');
  t.ok(received > 0, 'Kea acknowledged exchanges');
  const leased = new Set((await kea.leases()).map((l) => l.mac));
  t.ok(leased.size > 0 && leased.size <= 20, `Kea's lease file holds between 1 and -R (20) clients: ${leased.size}`);
  for (const mac of leased) t.match(mac, /^02:fe:00:/, 'leases belong to the generator’s MAC range');
});

t.test('bad input is a usage error naming the option', async (t) => {
  const noRate = await fleetlab(['dhcp-load', '127.0.0.1', '-n', '10']);
  t.equal(noRate.code, 2);
  t.match(noRate.stderr, /-r RATE/);
  const badServer = await fleetlab(['dhcp-load', '300.1.1.1:67', '-r', '10', '-n', '1']);
  t.equal(badServer.code, 2);
  t.match(badServer.stderr, /server '300\.1\.1\.1:67'/);
  const neither = await fleetlab(['dhcp-load', '127.0.0.1', '-r', '10']);
  t.equal(neither.code, 2);
  t.match(neither.stderr, /\(-n\).*\(-p\)/);
});
