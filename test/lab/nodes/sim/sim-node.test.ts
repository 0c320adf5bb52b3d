/**
 * A simulated node behaves like a BMC-managed machine: one-time overrides are consumed by the boot
 * that used them, continuous ones persist, power cuts abort the boot, the disk remembers its image.
 */
import t from 'tap';
import { simLab } from '../../../helpers/sim-lab.ts';

const ready = (events: { kind: string; node?: string }[], node: string) => events.filter((e) => e.kind === 'node.ready' && e.node === node).length;

t.test('a PXE Once override is consumed by the provisioning boot; the next boot uses the disk', async (t) => {
  const s = await simLab(t, { sites: 1, nodesPerSite: 1, timeScale: 0 });
  const node = s.lab.nodes[0]!;
  await s.provision([node.name], 'os-a');
  await s.waitFor(() => ready(s.events, node.name) === 1);
  t.same(node.machine.bootOverride, { target: 'none', mode: 'uefi', once: false }, 'override reads None/Disabled after the boot that used it');
  t.equal(node.sim!.disk?.name, 'os-a', 'disk holds the image');
  const dhcpBefore = s.events.filter((e) => e.kind === 'dhcp.discover').length;
  await node.machine.setPower('cycle');
  await s.waitFor(() => ready(s.events, node.name) === 2);
  t.equal(s.events.filter((e) => e.kind === 'dhcp.discover').length, dhcpBefore, 'power cycle boots the disk: no DHCP');
  t.match(s.events.filter((e) => e.kind === 'boot.disk').at(-1), { image: 'os-a' });
});

t.test('a Continuous PXE override network-boots every time; with no deploy pending iPXE exits to the disk', async (t) => {
  const s = await simLab(t, { sites: 1, nodesPerSite: 1, timeScale: 0 });
  const node = s.lab.nodes[0]!;
  await s.provision([node.name], 'os-b');
  await s.waitFor(() => ready(s.events, node.name) === 1);
  node.machine.bootOverride = { target: 'pxe', mode: 'uefi', once: false };
  const before = s.events.filter((e) => e.kind === 'dhcp.ack').length;
  await node.machine.setPower('reset');
  await s.waitFor(() => ready(s.events, node.name) === 2);
  t.equal(s.events.filter((e) => e.kind === 'dhcp.ack').length, before + 2, 'PXE + iPXE DHCP again');
  t.same(node.machine.bootOverride, { target: 'pxe', mode: 'uefi', once: false }, 'continuous override persists');
  t.match(s.events.filter((e) => e.kind === 'node.ready').at(-1), { image: 'os-b' }, 'fell through to the disk image');
});

t.test('power off mid-install aborts the boot: no events from it afterwards, no image on disk', async (t) => {
  const s = await simLab(t, { sites: 1, nodesPerSite: 1, timeScale: 0.05 });
  const node = s.lab.nodes[0]!;
  await s.provision([node.name], 'os-c', 5_000_000);
  await s.waitFor(() => node.sim!.phase === 'boot' || node.sim!.phase === 'agent' || node.sim!.phase === 'image');
  await node.machine.setPower('off');
  const n = s.events.length;
  await new Promise((r) => setTimeout(r, 1500));
  const after = s.events.slice(n).filter((e) => 'node' in e && e.node === node.name);
  t.same(after, [], 'nothing more from the aborted boot');
  t.equal(node.machine.power(), 'off');
  t.equal(node.sim!.disk, null, 'no image written');
});

t.test('a node with a blank disk and no boot answer fails with a clear code', async (t) => {
  const s = await simLab(t, { sites: 1, nodesPerSite: 1, timeScale: 0 });
  const node = s.lab.nodes[0]!;
  // Not enrolled: the reference server serves `exit`, the blank disk cannot boot.
  await node.machine.setPower('on');
  await s.waitFor(() => s.events.some((e) => e.kind === 'node.failed'));
  t.match(s.events.find((e) => e.kind === 'node.failed'), { node: node.name, code: 'FLEETLAB_ERR_BOOT_NO_DEVICE' });
});

t.test('a timer the host runs late is reported as the node lateness (lateMs), not as modelled disk-boot time', async (t) => {
  const s = await simLab(t, { sites: 1, nodesPerSite: 1, timeScale: 0.01 });
  const node = s.lab.nodes[0]!;
  await s.provision([node.name], 'os-d');
  await s.waitFor(() => node.sim!.phase === 'disk-boot');
  // A busy host: the event loop is held 300 ms while the disk-boot timer (80–200 ms) is due.
  const until = performance.now() + 300;
  while (performance.now() < until);
  await s.waitFor(() => ready(s.events, node.name) === 1);
  const entered = s.events.find((e) => e.kind === 'node.phase' && e.node === node.name && (e as { phase?: string }).phase === 'disk-boot')!;
  // The event that ends disk-boot (node.phase 'ready', just before node.ready) carries its lateness.
  const done = s.events.find((e) => e.t > entered.t && (e.kind === 'node.phase' || e.kind === 'node.ready') && e.node === node.name)! as { t: number; lateMs?: number };
  t.ok((done.lateMs ?? 0) >= 90, `the event ending disk-boot carries the lateness: ${done.lateMs} ms`);
  const modelled = (done.t - entered.t - (done.lateMs ?? 0)) / 0.01;
  t.ok(modelled >= 8000 && modelled <= 21_000, `disk-boot minus lateness is the profile's 8–20 s: ${modelled.toFixed(0)} ms (wall ${(done.t - entered.t).toFixed(0)} ms)`);
});
