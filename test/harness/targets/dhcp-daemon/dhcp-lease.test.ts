// Lease files of the real DHCP servers are the oracle of the dnsmasq/kea acceptance: the readers
// must follow each format's rules (dnsmasq: one line per lease; Kea: an append log).
import t from 'tap';
import { parseDnsmasqLeases, parseKeaLeases } from '../../../../harness/targets/dhcp-daemon/dhcp-lease.ts';

t.test('dnsmasq lease lines, duid line and blanks skipped', async (t) => {
  const text = 'duid 00:01:00:01:2c:00\n1795788075 02:D9:00:00:00:28 127.20.2.229 host-a 01:02:d9:00:00:00:28\n\n1795788076 02:d9:00:00:00:10 127.20.1.205 * *\n';
  t.same(parseDnsmasqLeases(text), [
    { ip: '127.20.2.229', mac: '02:d9:00:00:00:28', expires: 1795788075, hostname: 'host-a' },
    { ip: '127.20.1.205', mac: '02:d9:00:00:00:10', expires: 1795788076 },
  ]);
});

t.test('kea memfile: last row per address wins, releases and reclaimed leases drop out', async (t) => {
  const text = [
    'address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context',
    '127.20.0.10,02:d9:00:00:00:00,,3600,100,1,0,0,,0,',
    '127.20.0.11,02:d9:00:00:00:08,,3600,100,1,0,0,,0,',
    '127.20.0.10,02:d9:00:00:00:00,,3600,200,1,0,0,n0,0,',
    '127.20.0.11,02:d9:00:00:00:08,,0,100,1,0,0,,0,', // released
    '127.20.0.12,02:d9:00:00:00:10,,3600,100,1,0,0,,2,', // expired-reclaimed
  ].join('\n');
  t.same(parseKeaLeases(text), [{ ip: '127.20.0.10', mac: '02:d9:00:00:00:00', expires: 200, hostname: 'n0' }]);
  t.same(parseKeaLeases(''), [], 'empty file');
});
