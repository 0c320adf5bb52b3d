/**
 * The provisioned image's SSH server, for real: one qemu VM PXE-installs from the mini target,
 * boots its disk (the "installed OS"), leases an address, starts dropbear and prints
 * FLEETLAB-SSH with the address and host-key fingerprint; the lab's ssh2 client then logs in
 * from the host namespace with the lab key baked into the image (the routed path through the
 * site's WAN, no helper in the namespace), pins that fingerprint and passes every default check;
 * a key that is not the lab key is SSH_AUTH, a wrong expected image SSH_CHECK_IMAGE.
 * Needs root, qemu-system-x86, ipxe-qemu, dnsmasq, nftables; takes minutes under TCG.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBootPayload } from '../../../../lab/nodes/qemu/boot-payload/build.ts';
import { LAB_SSH_USER } from '../../../../lab/nodes/qemu/boot-payload/ssh-server.ts';
import { createQemuSite } from '../../../../lab/net/netns/qemu-site.ts';
import { siteNames, runTag } from '../../../../lab/net/netns/naming.ts';
import { createQemuNode } from '../../../../lab/nodes/qemu/qemu-node.ts';
import { createVmScheduler } from '../../../../lab/nodes/qemu/vm-scheduler.ts';
import { qemuInventory } from '../../../../lab/nodes/qemu/qemu-tier.ts';
import { verifyOverSsh } from '../../../../lab/clients/ssh/ssh-verify.ts';
import { openSshSession } from '../../../../lab/clients/ssh/ssh-session.ts';
import type { EventBody } from '../../../../lab/base/event.ts';
import { startMiniTarget } from './mini-target.ts';

t.setTimeout(900_000);
const INDEX = 11;

async function serialMarker(path: string, re: RegExp, ms: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const m = existsSync(path) ? re.exec(readFileSync(path, 'latin1')) : null;
    if (m) return m;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no ${re} on the serial console in ${ms} ms: ${existsSync(path) ? readFileSync(path, 'latin1').slice(-1500) : '(no log)'}`);
}

t.test('a provisioned VM serves SSH with the lab key; the client pins its console fingerprint and every check passes', async (t) => {
  const runId = `ssh-test-${process.pid}`;
  const work = mkdtempSync(join(tmpdir(), 'fl-qemu-ssh-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const payload = await ensureBootPayload();
  const n = siteNames(runTag(runId), INDEX);
  const target = await startMiniTarget({ payload, imageBytes: 2 * 1024 * 1024, subnets: [{ name: 's', subnet: n.lanCidr, relay: n.gateway, poolStart: `${n.lanPrefix}100`, poolEnd: `${n.lanPrefix}200` }] });
  t.teardown(() => target.close());
  const events: EventBody[] = [];
  const site = await createQemuSite({ runId, index: INDEX, site: 's', core: { dhcpPort: target.dhcp.address.port, httpPort: target.httpPort }, workDir: join(work, 'site'), events: { emit: (e) => void events.push(e) } });
  t.teardown(() => site.teardown());
  const mac = '52:54:00:f1:00:0b';
  const uuid = 'f1ee7000-0000-4000-8000-0000000000bb';
  const vm = await createQemuNode({
    name: 'vm0', site, slot: 0, mac, uuid, inventory: qemuInventory({ index: INDEX, uuid, macs: [mac] }),
    workDir: join(work, 'vm0'), events: { emit: (e) => void events.push(e) }, scheduler: createVmScheduler(1),
  });
  t.teardown(() => vm.close());
  target.deploy.add(mac);
  vm.bootOverride = { target: 'pxe', mode: 'legacy', once: true };
  await vm.setPower('on');

  const m = await serialMarker(vm.serialLogPath, /FLEETLAB-SSH ip=(\S+) port=(\d+) fp=(\S+) ms=\d+ ok=1/, 600_000);
  const [, ip, port, fp] = m;
  t.match(ip, new RegExp(`^${n.lanPrefix.replace(/\./g, '\\.')}\\d+$`), 'the installed OS leased a site address');
  t.ok(events.some((e) => e.kind === 'node.ready' && e.image === 'test-os-1'), 'ready came first');
  const v = await verifyOverSsh({
    target: { host: ip!, port: Number(port), user: LAB_SSH_USER, privateKeyFile: payload.ssh.privateKey, hostKey: { policy: 'pinned', fingerprint: fp! } },
    expect: { image: 'test-os-1', sha256: target.image.sha256, disks: [{ name: 'vda', minBytes: 1e9 }], address: ip, nicName: 'eth0' },
    connectWithinMs: 60_000,
  });
  t.equal(v.ok, true, `${v.code ?? ''} ${v.message ?? ''} ${JSON.stringify(v.checks)}`);
  t.same(v.checks.map((c) => c.check), ['image', 'rootfs', 'disks', 'nic']);
  t.equal(v.fingerprint, fp, 'the host key is the one the console printed');
  t.equal(v.auth, 'publickey');
  t.match(v.checks[0]!.message, /^image test-os-1 /);

  // The image refuses passwords (dropbear -s) and a wrong image name fails with its code.
  const pw = await openSshSession({ host: ip!, user: LAB_SSH_USER, password: 'root' }).then(() => 'accepted', (e: { code?: string }) => e.code);
  t.equal(pw, 'FLEETLAB_ERR_SSH_AUTH', 'no password logins');
  const otherKey = join(work, 'not-the-lab-key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
  const badKey = await verifyOverSsh({ target: { host: ip!, user: LAB_SSH_USER, privateKeyFile: otherKey, hostKey: { policy: 'pinned', fingerprint: fp! } }, connectWithinMs: 5000 });
  t.equal(badKey.code, 'FLEETLAB_ERR_SSH_AUTH', `a key that is not the lab key: ${badKey.message ?? ''}`);
  t.same(badKey.checks, [], 'no check runs without a login');
  const wrong = await verifyOverSsh({ target: { host: ip!, user: LAB_SSH_USER, privateKeyFile: payload.ssh.privateKey }, checks: ['image'], expect: { image: 'other-os' } });
  t.equal(wrong.code, 'FLEETLAB_ERR_SSH_CHECK_IMAGE', wrong.message ?? '');
});
