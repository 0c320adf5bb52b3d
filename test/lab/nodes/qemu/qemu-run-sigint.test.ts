/**
 * SIGINT in the middle of a qemu run (issue 6 acceptance): exit 130, and no qemu process,
 * network namespace, TAP/veth, bridge or nft table of that run is left (listed before and after).
 */
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fleetlab } from '../../../helpers/cli.ts';
import { provisionScenarioFile } from './provision-scenario.ts';
import { listLeftovers, runPrefix } from '../../../../lab/net/netns/gc.ts';

t.setTimeout(600_000);
const BMC_BASE = 171; // scenarios/provision.ts with its BMCs on 127.171.x.y (see provision-scenario.ts)

const qemuPidsFor = (tag: string) => {
  try {
    return execFileSync('pgrep', ['-f', `qemu-system-x86_64 -name ${tag}`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

t.test('SIGINT while VMs boot: exit 130 and every resource of the run is gone', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'fl-qemu-sigint-'));
  let during: Awaited<ReturnType<typeof listLeftovers>> | null = null;
  let qemuDuring: string[] = [];
  let prefix = '';
  const r = await fleetlab(['run', provisionScenarioFile(BMC_BASE), '--param', 'tier=qemu', '--param', 'sites=1', '--param', 'nodesPerSite=2', '--out', out], {
    timeoutMs: 580_000,
    onSpawn: (child) => {
      // Interrupt once a VM is fetching its kernel: qemu, dnsmasq, netns, veth, nft all exist then.
      const poll = setInterval(() => {
        const log = join(out, 'events.ndjson');
        if (!existsSync(log)) return;
        const text = readFileSync(log, 'utf8');
        const start = /"kind":"run.start".*?"runId":"([^"]+)"/.exec(text);
        if (!start || !/"phase":"kernel"/.test(text)) return;
        clearInterval(poll);
        prefix = runPrefix(start[1]!);
        void listLeftovers(prefix).then((l) => {
          during = l;
          qemuDuring = qemuPidsFor(prefix);
          child.kill('SIGINT');
        });
      }, 200);
      child.once('exit', () => clearInterval(poll));
    },
  });
  t.equal(r.code, 130, `exit 130 on SIGINT\n${r.stderr.slice(-1500)}`);
  t.ok(during, 'the run was interrupted mid-boot');
  t.equal(during!.netns.length, 1, 'during: the site namespace existed');
  t.equal(during!.links.length, 1, 'during: the WAN veth existed');
  t.equal(during!.nftTables.length, 1, 'during: the host nft table existed');
  t.ok(during!.pids.length >= 3, 'during: dnsmasq and two qemu processes ran in the namespace');
  t.equal(qemuDuring.length, 2, 'during: two qemu processes');
  t.same(await listLeftovers(prefix), { netns: [], links: [], nftTables: [], pids: [] }, 'after: no netns, veth/TAP/bridge (they live in the netns), nft table or process');
  t.same(qemuPidsFor(prefix), [], 'after: no qemu process of the run');
});
