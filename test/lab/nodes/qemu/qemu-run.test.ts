/**
 * Acceptance (issue 6): `fleetlab run scenarios/provision.ts --param tier=qemu --param sites=1
 * --param nodesPerSite=2` — both VMs PXE-boot through the site relay from the reference target,
 * write the image, reboot from disk and report the expected image; run.json carries the sim
 * tier's phase names; and the same with --target dnsmasq. Needs root, qemu-system-x86, ipxe-qemu, dnsmasq, nftables (CI installs them).
 */
import t from 'tap';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fleetlab } from '../../../helpers/cli.ts';
import { provisionScenarioFile } from './provision-scenario.ts';
import { NODE_PHASES } from '../../../../lab/base/event.ts';
import { listLeftovers, runPrefix } from '../../../../lab/net/netns/gc.ts';
import { hasNetem } from '../../../../lab/net/netns/link-shaper.ts';
import { ensureBootPayload } from '../../../../lab/nodes/qemu/boot-payload/build.ts';
import { readEvents, readRun } from '../../../helpers/run-json.ts';

t.setTimeout(900_000);
const BMC_BASE = 172; // scenarios/provision.ts with its BMCs on 127.172.x.y (see provision-scenario.ts)


t.test('two qemu VMs provision through the site relay and boot the image from disk', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'fl-qemu-run-'));
  const r = await fleetlab(['run', provisionScenarioFile(BMC_BASE), '--param', 'tier=qemu', '--param', 'sites=1', '--param', 'nodesPerSite=2', '--out', out], { timeoutMs: 880_000 });
  t.equal(r.code, 0, `run passed\n${r.stderr.slice(-2000)}\n${r.stdout.slice(-2000)}`);
  const run = readRun(out);
  t.equal(run.config.testbed.tier, 'qemu');
  t.equal(run.nodes.length, 2);
  // A sim run of the same hardware (profile qemu-pc: SeaBIOS, QEMU's iPXE NIC ROM, so no TFTP and
  // no second DHCP) has exactly the phases the VMs went through, in the same order.
  const simOut = mkdtempSync(join(tmpdir(), 'fl-qemu-twin-'));
  const sim = await fleetlab(['run', 'scenarios/provision.ts', '--param', 'profile=qemu-pc', '--param', 'sites=1', '--param', 'nodesPerSite=2', '--out', simOut], { timeoutMs: 120_000 });
  t.equal(sim.code, 0, `the sim twin run passed\n${sim.stderr.slice(-1000)}`);
  const twin = readRun(simOut);
  const expected = Object.keys(twin.nodes[0]!.phases);
  t.same(expected, NODE_PHASES.filter((p) => p !== 'tftp' && p !== 'ipxe-dhcp'), 'an iPXE NIC ROM skips tftp and ipxe-dhcp');
  for (const n of run.nodes) {
    t.equal(n.outcome, 'ready', `${n.name} ready`);
    t.equal(n.image, 'edge-os-1.0', `${n.name} reports the provisioned image after booting its disk`);
    t.same(Object.keys(n.phases), expected, `${n.name} phases in order`);
  }
  const events = readEvents(out);
  t.equal(events.filter((e) => e.kind === 'dhcp.ack' && String(e.ip).startsWith('10.213.0.')).length, 2, 'each VM got a lease from the site pool through the relay');
  t.equal(events.filter((e) => e.kind === 'boot.disk' && e.image === 'edge-os-1.0').length, 2);
  t.same(await listLeftovers(runPrefix(run.config.runId)), { netns: [], links: [], nftTables: [], pids: [] }, 'nothing left after a passed run');
});

t.test('the same with --target dnsmasq: the VMs lease from a real dnsmasq through the site relay', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'fl-qemu-dnsmasq-'));
  const r = await fleetlab(['run', provisionScenarioFile(BMC_BASE + 1), '--target', 'dnsmasq', '--target-opt', 'logDhcp=true', '--param', 'tier=qemu', '--param', 'sites=1', '--param', 'nodesPerSite=2', '--out', out], { timeoutMs: 880_000 });
  t.equal(r.code, 0, `run passed\n${r.stderr.slice(-2000)}\n${r.stdout.slice(-2000)}`);
  const run = readRun(out);
  t.equal(run.nodes.length, 2);
  for (const n of run.nodes) {
    t.equal(n.outcome, 'ready', `${n.name} ready`);
    t.equal(n.image, 'edge-os-1.0', `${n.name} reports the provisioned image after booting its disk`);
  }
  // dnsmasq's own records are the oracle: its lease file and its log name the VMs' MACs and the
  // site's relayed subnet, and the interface the relayed requests came in on (our WAN's host end).
  const events = readEvents(out);
  const macs = events.filter((e) => e.kind === 'node.info').map((e) => (e.macs as string[])[0]!.toLowerCase());
  t.equal(macs.length, 2);
  const leases = readFileSync(join(out, 'dnsmasq', 'dnsmasq.leases'), 'utf8');
  for (const mac of macs) t.match(leases, new RegExp(`${mac} 10\\.213\\.0\\.\\d+`), `dnsmasq leased ${mac} an address of the qemu site`);
  const log = readFileSync(join(out, 'dnsmasq', 'dnsmasq.log'), 'utf8');
  for (const mac of macs) t.match(log, new RegExp(`DHCPACK\\(fl-[0-9a-z]+-0h\\) 10\\.213\\.0\\.\\d+ ${mac}`), `dnsmasq acked ${mac} on the site's WAN interface`);
  t.match(log, /bootfile name: http:\/\/10\.215\.0\.1:\d+\/boot\.ipxe/, 'iPXE on the qemu site is sent to the CORE address');
  t.same(await listLeftovers(runPrefix(run.config.runId)), { netns: [], links: [], nftTables: [], pids: [] }, 'nothing left after a passed run');
});

t.test('--param linkEngine=kernel: the WAN is a tc/nft-shaped veth; what it cannot do is said, not faked', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'fl-qemu-kernel-'));
  const r = await fleetlab(['run', provisionScenarioFile(BMC_BASE + 5), '--param', 'tier=qemu', '--param', 'sites=1', '--param', 'nodesPerSite=1', '--param', 'linkEngine=kernel', '--param', 'down=20mbit', '--param', 'latency=40ms', '--out', out], { timeoutMs: 880_000 });
  t.equal(r.code, 0, `run passed\n${r.stderr.slice(-2000)}\n${r.stdout.slice(-2000)}`);
  const run = readRun(out);
  const vm = run.nodes[0]!;
  t.equal(vm.image, 'edge-os-1.0');
  // tbf shapes the real kernel + initrd download to 20 Mbit/s.
  const p = await ensureBootPayload();
  const wireMs = ((p.manifest.files.vmlinuz!.bytes + p.manifest.files['initrd.img']!.bytes) * 8 * 1000) / 20e6;
  const kernelMs = vm.phases.boot! - vm.phases.kernel!;
  t.ok(kernelMs >= wireMs * 0.9, `kernel phase ${Math.round(kernelMs)} ms ≥ 90 % of ${Math.round(wireMs)} ms at 20 Mbit/s`);
  const warnings = readEvents<{ kind: string; level?: string; msg?: string }>(out).filter((e) => e.kind === 'log' && e.level === 'warn').map((e) => e.msg ?? '');
  t.ok(warnings.some((m) => /link faults cannot reach them/.test(m)), 'the run says link faults cannot reach kernel-engine qemu sites');
  if (!(await hasNetem())) t.ok(warnings.some((m) => /not applied: .*delay 20ms .*no sch_netem/.test(m)), 'without sch_netem the delay is reported as not applied');
  t.same(await listLeftovers(runPrefix(run.config.runId)), { netns: [], links: [], nftTables: [], pids: [] }, 'nothing left');
});
