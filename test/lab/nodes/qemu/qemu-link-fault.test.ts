/**
 * Faults reach qemu sites and VMs. Link faults: the userspace WAN asks the same link model the
 * fault plugins change, so a partition injected when the VM enters its image phase really cuts
 * the VM's TCP download (it stalls, then resumes after the heal), and the run still ends with the
 * node ready. power-loss at a phase: the VM's power is cut mid-install and comes back; the
 * half-written disk does not boot, so it PXE-boots and installs again.
 * Needs root, qemu-system-x86, ipxe-qemu, dnsmasq, nftables, socat (CI installs them).
 */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fleetlab, API } from '../../../helpers/cli.ts';
import { listLeftovers, runPrefix } from '../../../../lab/net/netns/gc.ts';
import { readEvents, readRun } from '../../../helpers/run-json.ts';

t.setTimeout(600_000);
const CUT_MS = 8000;

function scenarioWith(dir: string, name: string, inject: string, bmcBase: number): string {
  const file = join(dir, `${name}.mts`);
  writeFileSync(
    file,
    `import { defineScenario } from ${JSON.stringify(API)};
export default defineScenario({
  name: '${name}',
  params: {},
  lab: () => ({ sites: 1, nodesPerSite: 1, timeScale: 1, tier: 'qemu', link: { down: '20mbit', up: '20mbit' }, addressing: { bmcBase: ${bmcBase} } }),
  async run({ lab, target, faults, step, expect }) {
    await faults.inject(${inject});
    await step('enroll', () => target.enroll(lab.nodes));
    const image = target.image('edge-os-1.0', 4e6);
    await step('provision', () => target.provision(lab.nodes, image));
    await step('wait for ready', () => lab.waitReady(lab.nodes, { since: 0 }));
    expect.readyRatio('all nodes ready', 1);
  },
});
`,
  );
  return file;
}

t.test('a partition fault on a qemu site stalls the VM image download for its duration', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-qemu-fault-'));
  const scenario = scenarioWith(dir, 'qemu-partition', `{ kind: 'partition', id: 'cut', when: { phase: 'image' }, duration: ${CUT_MS} }`, 174);
  const out = join(dir, 'run');
  const r = await fleetlab(['run', scenario, '--out', out], { timeoutMs: 580_000 });
  t.equal(r.code, 0, `run passed\n${r.stderr.slice(-2000)}\n${r.stdout.slice(-2000)}`);
  const events = readEvents(out);
  const start = events.find((e) => e.kind === 'fault.start' && e.id === 'cut#1');
  const stop = events.find((e) => e.kind === 'fault.stop' && e.id === 'cut#1');
  t.ok(start && stop, 'the partition started and stopped (activation cut#1)');
  t.same(start?.targets, ['site-000'], 'it hit the qemu site');
  const phase = (p: string) => events.find((e) => e.kind === 'node.phase' && e.phase === p)?.t ?? NaN;
  const imageMs = phase('callback') - phase('image');
  // 4 MB at 20 Mbit/s is ~1.7 s on the wire; cut for 8 s, TCP resumes only after the heal.
  t.ok(imageMs >= CUT_MS, `image phase ${Math.round(imageMs)} ms spans the ${CUT_MS} ms partition`);
  t.ok(stop!.t - start!.t >= CUT_MS - 50, 'the cut lasted its duration');
  const run = readRun(out);
  t.equal(run.nodes[0]?.outcome, 'ready');
  t.equal(run.nodes[0]?.image, 'edge-os-1.0', 'the image written through the cut verifies and boots');
  t.same(await listLeftovers(runPrefix(run.config.runId)), { netns: [], links: [], nftTables: [], pids: [] }, 'nothing left');
});

t.test('power-loss at the image phase cuts a VM mid-install; it comes back, PXE-boots again and installs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-qemu-power-'));
  const scenario = scenarioWith(dir, 'qemu-power-loss', `{ kind: 'power-loss', id: 'cut', params: { phase: 'image' } }`, 175);
  const out = join(dir, 'run');
  const r = await fleetlab(['run', scenario, '--out', out], { timeoutMs: 580_000 });
  t.equal(r.code, 0, `run passed\n${r.stderr.slice(-2000)}\n${r.stdout.slice(-2000)}`);
  const events = readEvents(out);
  const power = events.filter((e) => e.kind === 'node.power').map((e) => `${String(e.state)}:${String(e.cause)}`);
  t.ok(power.includes('off:power-loss'), `power was cut (${power.join(', ')})`);
  const offAt = events.find((e) => e.kind === 'node.power' && e.cause === 'power-loss')!.t;
  t.ok(events.some((e) => e.kind === 'node.power' && e.state === 'on' && e.t > offAt), 'and restored');
  const images = events.filter((e) => e.kind === 'node.phase' && e.phase === 'image');
  t.equal(images.length, 2, 'the image phase ran twice: cut, then the reinstall');
  t.ok(events.some((e) => e.kind === 'node.phase' && e.phase === 'dhcp' && e.t > offAt), 'after the cut it network-booted again');
  const run = readRun(out);
  t.equal(run.nodes[0]?.outcome, 'ready');
  t.equal(run.nodes[0]?.image, 'edge-os-1.0');
  t.same(await listLeftovers(runPrefix(run.config.runId)), { netns: [], links: [], nftTables: [], pids: [] }, 'nothing left');
});
