/**
 * The relay hub beyond the per-site fd budget: sites share a pool of wildcard sockets, each on its
 * own port, so one boot wave's replies land in many receive queues instead of one; every reply
 * still reaches the node whose chaddr it carries, and each socket got the receive buffer it asked
 * for (as far as net.core.rmem_max allows).
 */
import t from 'tap';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { RelayHub, RELAY_POOL_SOCKETS, RELAY_RCVBUF } from '../../../../lab/proto/dhcp/relay-hub.ts';
import { decodeDhcp, encodeDhcp, newPacket, setMessageType, DhcpMessageType as MT, type DhcpPacket } from '../../../../lab/proto/dhcp/dhcp-packet.ts';
import { passthroughLink } from '../../../../lab/net/site-link.ts';

const SITES = RELAY_POOL_SOCKETS * 2 + 3;

/** A DHCP "server" that answers every relayed DISCOVER with an OFFER to giaddr:<source port>. */
async function offerServer() {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const sourcePorts = new Set<number>();
  sock.on('message', (m, from) => {
    const req = decodeDhcp(m);
    sourcePorts.add(from.port);
    const offer = newPacket(2, req.chaddr, req.xid);
    setMessageType(offer, MT.OFFER);
    offer.giaddr = req.giaddr;
    sock.send(encodeDhcp(offer), from.port, req.giaddr);
  });
  return { sock, sourcePorts, port: () => sock.address().port };
}

t.test(`${SITES} sites over a pool of ${RELAY_POOL_SOCKETS} wildcard sockets: every reply reaches its node`, async (t) => {
  const server = await offerServer();
  t.teardown(() => server.sock.close());
  const hub = new RelayHub({ server: { host: '127.0.0.1', port: server.port() }, relayPort: 0, perSite: false, events: { emit: () => {} } });
  t.teardown(() => hub.close());
  const got = new Map<string, DhcpPacket>();
  const all = new Promise<void>((done) => {
    void (async () => {
      for (let i = 0; i < SITES; i++) {
        const site = `site-${i}`;
        await hub.addSite(site, `127.22.${i}.1`, passthroughLink(site));
        const mac = `52:54:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
        hub.register(mac, site, (p) => {
          got.set(mac, p);
          if (got.size === SITES) done();
        });
      }
      for (let i = 0; i < SITES; i++) {
        const mac = `52:54:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
        const p = newPacket(1, mac, 1000 + i);
        setMessageType(p, MT.DISCOVER);
        hub.send(`site-${i}`, p, `port-${i}`);
      }
    })();
  });
  // Loopback delivers these (a few hundred datagrams, one round); a lost one would show as a missing
  // node below, and the bound keeps a broken hub from hanging the suite.
  await Promise.race([all, new Promise((r) => setTimeout(r, 30_000))]);
  t.equal(got.size, SITES, 'one OFFER per node');
  for (const [mac, p] of got) t.equal(p.chaddr, mac, 'routed by chaddr');
  t.equal(server.sourcePorts.size, RELAY_POOL_SOCKETS, 'requests left from every pool socket');

  const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
  // Linux doubles the requested size for bookkeeping and caps the request at rmem_max; `ss -m`
  // shows what each of this process's wildcard sockets really got (rb = receive buffer).
  const expected = 2 * Math.min(RELAY_RCVBUF, rmemMax);
  const ss = execFileSync('ss', ['-uanmp'], { encoding: 'utf8' }).split('\n');
  const rb: number[] = [];
  for (let i = 0; i < ss.length - 1; i++) {
    if (/^UNCONN\s+\d+\s+\d+\s+0\.0\.0\.0:\d+/.test(ss[i]!) && ss[i]!.includes(`pid=${process.pid},`)) rb.push(Number(/rb(\d+)/.exec(ss[i + 1]!)?.[1]));
  }
  t.equal(rb.length, RELAY_POOL_SOCKETS, 'one wildcard socket per pool slot');
  t.ok(rb.every((b) => b === expected), `every pool socket has rb ${expected}: ${[...new Set(rb)].join(', ')}`);
});
