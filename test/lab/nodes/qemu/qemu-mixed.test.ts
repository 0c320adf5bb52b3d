/**
 * One lab, both tiers: a qemu site beside twenty sim sites, one scenario, one target. The sim
 * sites run compressed (timeScale 0.01), the VM in real time; the lab-wide `dsl` link applies to
 * both (the VM's frames cross the same link model in real time), and each node's phases are its
 * hardware's: PXE ROM chain on the sim profile, iPXE ROM on qemu-pc.
 * Needs root, qemu-system-x86, ipxe-qemu, dnsmasq, nftables, socat (CI installs them).
 */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fleetlab, API } from '../../../helpers/cli.ts';
import { LINK_PRESETS } from '../../../../lab/net/link-spec.ts';
import { ensureBootPayload } from '../../../../lab/nodes/qemu/boot-payload/build.ts';
import { listLeftovers, runPrefix } from '../../../../lab/net/netns/gc.ts';
import { readRun } from '../../../helpers/run-json.ts';

t.setTimeout(600_000);


t.test('a qemu site and twenty sim sites provision in one run', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-qemu-mixed-'));
  const scenario = join(dir, 'mixed.mts');
  writeFileSync(
    scenario,
    `import { defineScenario } from ${JSON.stringify(API)};
export default defineScenario({
  name: 'mixed-tiers',
  params: {},
  lab: () => ({
    timeScale: 0.01,
    link: 'dsl',
    addressing: { bmcBase: 176 },
    sites: [{ name: 'vm-site', nodes: 1, tier: 'qemu' }, ...Array.from({ length: 20 }, (_, i) => ({ name: 'store-' + i, nodes: 2 }))],
  }),
  async run({ lab, target, step, expect }) {
    await step('enroll', () => target.enroll(lab.nodes));
    const image = target.image('edge-os-1.0', 4e6);
    await step('provision', () => target.provision(lab.nodes, image));
    await step('wait for ready', () => lab.waitReady(lab.nodes, { since: 0 }));
    expect.readyRatio('all nodes ready', 1);
  },
});
`,
  );
  const out = join(dir, 'run');
  const r = await fleetlab(['run', scenario, '--out', out], { timeoutMs: 580_000 });
  t.equal(r.code, 0, `run passed\n${r.stderr.slice(-2000)}\n${r.stdout.slice(-2000)}`);
  const run = readRun(out);
  t.equal(run.config.testbed.tier, 'mixed');
  t.equal(run.nodes.length, 41);
  t.ok(run.nodes.every((n) => n.outcome === 'ready' && n.image === 'edge-os-1.0'), 'all 41 nodes ready with the image');
  const vm = run.nodes.find((n) => n.site === 'vm-site')!;
  const sims = run.nodes.filter((n) => n.site !== 'vm-site');
  t.equal(vm.profile, 'qemu-pc', 'the VM is a qemu-pc');
  t.notOk('tftp' in vm.phases, 'the VM (iPXE ROM) has no TFTP phase');
  t.ok(sims.every((n) => 'tftp' in n.phases && 'ipxe-dhcp' in n.phases), 'sim nodes chain-load iPXE over TFTP');
  // The VM fetched the real kernel + initrd through dsl's 20 Mbit/s in real time.
  const p = await ensureBootPayload();
  const bytes = p.manifest.files.vmlinuz!.bytes + p.manifest.files['initrd.img']!.bytes;
  const wireMs = (bytes * 8 * 1000) / LINK_PRESETS.dsl.downBps;
  const kernelMs = vm.phases.boot! - vm.phases.kernel!;
  t.ok(kernelMs >= wireMs * 0.9, `VM kernel phase ${Math.round(kernelMs)} ms ≥ 90 % of ${Math.round(wireMs)} ms on the wire at dsl's rate`);
  t.same(await listLeftovers(runPrefix(run.config.runId)), { netns: [], links: [], nftTables: [], pids: [] }, 'nothing left');
});
