/**
 * End to end: `fleetlab run scenarios/provision.ts --target dnsmasq|kea` — the real Debian DHCP
 * server serves the lab's relayed sites, every node ends ready, and the server's own lease file
 * lists exactly the lab's nodes with the addresses they were acknowledged.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fleetlab } from '../../../helpers/cli.ts';
import { parseDnsmasqLeases, parseKeaLeases } from '../../../../harness/targets/dhcp-daemon/dhcp-lease.ts';
import { readEvents } from '../../../helpers/run-json.ts';

interface Ev {
  kind: string;
  node?: string;
  macs?: string[];
  stage?: string;
  ip?: string;
  bootFile?: string;
}

for (const kind of ['dnsmasq', 'kea'] as const) {
  t.test(`--target ${kind}: 3 sites × 2 nodes ready, leases match the nodes`, async (t) => {
    const out = t.testdir();
    const r = await fleetlab(['run', 'scenarios/provision.ts', '--target', kind, '--param', 'sites=3', '--param', 'nodesPerSite=2', '--out', out], { timeoutMs: 180_000 });
    t.equal(r.code, 0, 'exit 0', { stderr: r.stderr });
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { nodes: { name: string; outcome: string }[]; target: { name: string; version: Record<string, string> | null } };
    t.equal(run.nodes.filter((n) => n.outcome === 'ready').length, 6, 'all 6 nodes ready');
    t.match(run.target, { name: kind, version: { [kind]: kind === 'kea' ? /^\d+\.\d+\.\d+/ : /^Dnsmasq version \d+\.\d+/ } }, `run.json records ${kind}'s own --version`);

    const events = readEvents<Ev>(out);
    const macOf = new Map(events.filter((e) => e.kind === 'node.info').map((e) => [e.node!, e.macs![0]!.toLowerCase()]));
    const acked = new Map<string, string>();
    for (const e of events) if (e.kind === 'dhcp.ack' && e.stage === 'pxe') acked.set(macOf.get(e.node!)!, e.ip!);
    t.equal(acked.size, 6, 'every node got a PXE DHCP ACK');
    const pxeAcks = events.filter((e) => e.kind === 'dhcp.ack');
    t.ok(pxeAcks.some((e) => e.stage === 'ipxe' && /\/boot\.ipxe$/.test(e.bootFile ?? '')), 'iPXE was told to chain the HTTP script');

    const leaseText = readFileSync(join(out, kind, kind === 'dnsmasq' ? 'dnsmasq.leases' : 'kea-leases4.csv'), 'utf8');
    const leases = kind === 'dnsmasq' ? parseDnsmasqLeases(leaseText) : parseKeaLeases(leaseText);
    t.equal(leases.length, 6, 'six leases');
    t.same(
      leases.map((l) => [l.mac, l.ip]).sort(),
      [...acked].sort(),
      `${kind}'s lease file lists exactly the lab's nodes with the addresses they were given`,
    );
    for (const l of leases) {
      const site = [...macOf].find(([, m]) => m === l.mac)![0].replace(/-n\d+$/, '');
      const idx = Number(site.replace(/^site-0*/, '') || 0);
      t.match(l.ip, new RegExp(`^127\\.20\\.${idx}\\.`), `${l.mac} leased from its site's subnet`);
    }
  });
}

t.test('an unknown --target-opt is a usage error naming the known options', async (t) => {
  const r = await fleetlab(['run', 'scenarios/provision.ts', '--target', 'kea', '--target-opt', 'nope=1', '--param', 'sites=1', '--param', 'nodesPerSite=1', '--out', t.testdir()]);
  t.equal(r.code, 2, 'exit 2', { stderr: r.stderr });
  t.match(r.stderr, /--target-opt nope: unknown option for target 'kea'.*dhcpPort/);
});
