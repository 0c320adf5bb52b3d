/**
 * Root-only needs are checked before anything starts (issue 20): as nobody, a qemu-tier run, a
 * Kea target on port 67 and IPMI BMCs on port 623 exit 2 at once, naming every need and what
 * avoids it; nothing was created. The way around (a high DHCP port) then runs as nobody.
 */
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BIN } from '../../helpers/cli.ts';
import { asNobody, nobodyScratch } from '../../helpers/as-nobody.ts';
import { unmetRootNeeds, type HostCaps } from '../../../harness/run/host-needs.ts';
import { checkLab } from '../../../lab/config/lab-spec.ts';
import { Problems } from '../../../lab/base/problem.ts';

const fleetlab = (args: string[], scratch = nobodyScratch()) => asNobody([process.execPath, BIN, ...args], { scratch });

t.test('qemu tier as nobody: exit 2 naming the qemu sites, before any run directory exists', async (t) => {
  const scratch = nobodyScratch();
  const out = join(scratch, 'run');
  const r = await fleetlab(['run', 'scenarios/provision.ts', '--param', 'tier=qemu', '--param', 'sites=2', '--param', 'nodesPerSite=1', '--out', out], scratch);
  t.equal(r.code, 2, r.stderr);
  t.match(r.stderr, /FLEETLAB_ERR_NEEDS_ROOT: this run needs privileges it does not have \(uid 65534\)/);
  t.match(r.stderr, /qemu-tier sites \(site-000, site-001\) create network namespaces, TAPs and nft tables/);
  t.notOk(existsSync(out), 'nothing was started: no run directory');
});

t.test('every unmet need at once: kea on port 67 and IPMI on 623', async (t) => {
  const r = await fleetlab(['run', 'scenarios/provision.ts', '--target', 'kea', '--param', 'bmc=ipmi', '--param', 'sites=1', '--param', 'nodesPerSite=1']);
  t.equal(r.code, 2, r.stderr);
  t.match(r.stderr, /IPMI BMCs listen on port 623/);
  t.match(r.stderr, /target kea serves DHCP on port 67; run as root or pass --target-opt dhcpPort=\d+/);
});

t.test('the suggested way around works as nobody: kea on a high port provisions', async (t) => {
  const scratch = nobodyScratch();
  const r = await fleetlab(['run', 'scenarios/provision.ts', '--target', 'kea', '--target-opt', 'dhcpPort=6767', '--param', 'sites=1', '--param', 'nodesPerSite=1', '--out', join(scratch, 'run')], scratch);
  t.equal(r.code, 0, r.stderr.slice(-2000));
});

t.test('with the capabilities (root), nothing is unmet; without, each need is listed', async (t) => {
  const problems = new Problems();
  const lab = checkLab({ sites: [{ name: 'q', nodes: 1, tier: 'qemu' }, { name: 's', nodes: 1 }] }, 1, 'lab', problems)!;
  t.same(problems.list, [], 'the spec is valid');
  const root: HostCaps = { has: () => true, unprivilegedPortStart: 1024 };
  const none: HostCaps = { has: () => false, unprivilegedPortStart: 1024 };
  const needs = { lab, target: 'dnsmasq', targetOptions: {}, ipmi: true };
  t.same(unmetRootNeeds(needs, root), []);
  t.equal(unmetRootNeeds(needs, none).length, 3);
  t.same(unmetRootNeeds({ ...needs, targetOptions: { dhcpPort: '6767' }, ipmi: false, lab: checkLab({ sites: 1, nodesPerSite: 1 }, 1, 'lab', problems)! }, none), [], 'sim tier, no IPMI, high DHCP port: no root needed');
  t.same(unmetRootNeeds({ ...needs, ipmi: false }, { has: () => false, unprivilegedPortStart: 0 }).length, 1, 'ip_unprivileged_port_start=0 makes ports free; the netns need stays');
});
