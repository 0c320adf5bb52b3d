/**
 * A qemu VM behind fleetlab's IPMI BMC, driven by the real `ipmitool` (issue 6 acceptance, power
 * part): bootdev pxe + power on → PXE install → reboot from disk → ready with the image; power
 * off; bootdev pxe + power cycle → it PXE-boots again (the Once override is consumed each time).
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBootPayload } from '../../../../lab/nodes/qemu/boot-payload/build.ts';
import { createQemuSite } from '../../../../lab/net/netns/qemu-site.ts';
import { siteNames, runTag } from '../../../../lab/net/netns/naming.ts';
import { createQemuNode, type QemuNode } from '../../../../lab/nodes/qemu/qemu-node.ts';
import { createVmScheduler } from '../../../../lab/nodes/qemu/vm-scheduler.ts';
import { qemuInventory } from '../../../../lab/nodes/qemu/qemu-tier.ts';
import { startIpmiServer } from '../../../../lab/bmc/ipmi/ipmi-server.ts';
import type { EventBody } from '../../../../lab/base/event.ts';
import { startMiniTarget } from './mini-target.ts';

t.setTimeout(900_000);
const run = promisify(execFile);

t.test('ipmitool drives a qemu VM: bootdev pxe + on installs, off, bootdev pxe + cycle PXE-boots again', async (t) => {
  const runId = `ipmi-test-${process.pid}`;
  const work = mkdtempSync(join(tmpdir(), 'fl-qemu-ipmi-'));
  const payload = await ensureBootPayload();
  const n = siteNames(runTag(runId), 5);
  const target = await startMiniTarget({ payload, imageBytes: 2 * 1024 * 1024, subnets: [{ name: 's5', subnet: n.lanCidr, relay: n.gateway, poolStart: `${n.lanPrefix}100`, poolEnd: `${n.lanPrefix}200` }] });
  t.teardown(() => target.close());
  const events: EventBody[] = [];
  const sink = { emit: (e: EventBody) => void events.push(e) };
  const site = await createQemuSite({ runId, index: 5, site: 's5', core: { dhcpPort: target.dhcp.address.port, httpPort: target.httpPort }, workDir: join(work, 'site'), events: sink });
  t.teardown(() => site.teardown());
  const mac = '52:54:00:f1:00:05';
  const vm: QemuNode = await createQemuNode({
    name: 'vm0', site, slot: 0, mac, uuid: 'f1ee7000-0000-4000-8000-0000000000a5',
    inventory: qemuInventory({ index: 5, uuid: 'f1ee7000-0000-4000-8000-0000000000a5', macs: [mac] }),
    workDir: join(work, 'vm0'), events: sink, scheduler: createVmScheduler(1),
  });
  t.teardown(() => vm.close());
  const bmc = await startIpmiServer({ systems: [{ id: 'vm0', machine: vm, credentials: { username: 'admin', password: 'password' } }] });
  t.teardown(() => bmc.close());
  const addr = bmc.addresses[0]!;
  const ipmi = async (...args: string[]) => (await run('ipmitool', ['-I', 'lanplus', '-H', addr.host, '-p', String(addr.port), '-U', 'admin', '-P', 'password', ...args], { timeout: 30_000 })).stdout.trim();
  const waitFor = async (pred: (e: EventBody) => boolean, from: number, what: string, ms = 400_000) => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const i = events.slice(from).findIndex(pred);
      if (i >= 0) return from + i;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`timed out waiting for ${what}; last events: ${JSON.stringify(events.slice(-5))}`);
  };

  t.match(await ipmi('chassis', 'power', 'status'), /off/);
  target.deploy.add(mac);
  await ipmi('chassis', 'bootdev', 'pxe');
  t.match(vm.bootOverride, { target: 'pxe', once: true });
  await ipmi('chassis', 'power', 'on');
  const ready = await waitFor((e) => e.kind === 'node.ready', 0, 'the first install to reach ready');
  t.same(events[ready], { kind: 'node.ready', node: 'vm0', image: 'test-os-1' });
  t.equal(target.callbacks.length, 1, 'the installer called back once');
  t.match(vm.boots.slice(0, 2), [{ device: 'pxe', consumedOnce: true }, { device: 'hdd', consumedOnce: false }], 'PXE once, then the disk after the installer rebooted');
  t.match(vm.bootOverride, { target: 'none' }, 'the Once override reads back as cleared');
  t.match(await ipmi('chassis', 'power', 'status'), /on/);

  await ipmi('chassis', 'power', 'off');
  // The BMC answers before the transition completes; the chassis reads Off right after.
  for (let i = 0; i < 40 && vm.power() !== 'off'; i++) await new Promise((r) => setTimeout(r, 50));
  t.equal(vm.power(), 'off');
  t.match(await ipmi('chassis', 'power', 'status'), /off/);

  const mark = events.length;
  await ipmi('chassis', 'bootdev', 'pxe');
  await ipmi('chassis', 'power', 'cycle');
  await waitFor((e) => e.kind === 'node.phase' && e.phase === 'dhcp', mark, 'a PXE DHCP after the power cycle');
  // No deploy pending: the target's script says `exit`, iPXE falls through to the installed disk.
  const again = await waitFor((e) => e.kind === 'node.ready', mark, 'ready again from disk');
  t.match(events[again], { image: 'test-os-1' });
  t.match(vm.boots.at(-1), { device: 'pxe', consumedOnce: true });
});
