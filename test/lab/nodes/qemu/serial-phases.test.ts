import t from 'tap';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SerialPhaseParser } from '../../../../lab/nodes/qemu/serial-phases.ts';
import type { EventBody } from '../../../../lab/base/event.ts';

// A real transcript: SeaBIOS + iPXE PXE boot through a site relay, the installer payload, reboot, disk boot.
const transcript = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'serial-provision.log'), 'latin1');

function parse(chunks: string[]) {
  const events: EventBody[] = [];
  let now = 0;
  const p = new SerialPhaseParser({ node: 'n0', site: 's0', emit: (e) => events.push(e), now: () => (now += 10) });
  p.newBoot();
  p.enter('power-on');
  for (const c of chunks) p.feed(c);
  return { events, p };
}

const phases = (ev: EventBody[]) => ev.flatMap((e) => (e.kind === 'node.phase' ? [e.phase] : []));
const EXPECTED = ['power-on', 'dhcp', 'script', 'kernel', 'boot', 'agent', 'image', 'callback', 'reboot', 'disk-boot', 'ready'];

t.test('a provisioning transcript yields the sim tier phase names in order, then ready with the image', async (t) => {
  const { events, p } = parse([transcript]);
  t.same(phases(events), EXPECTED);
  const ready = events.find((e) => e.kind === 'node.ready');
  t.same(ready, { kind: 'node.ready', node: 'n0', image: 'edge-os-1.0' });
  t.equal(p.readyImage, 'edge-os-1.0');
  const ack = events.find((e) => e.kind === 'dhcp.ack');
  t.match(ack, { kind: 'dhcp.ack', site: 's0', stage: 'pxe', ip: '10.213.0.100' });
  const img = events.find((e) => e.kind === 'agent.image');
  t.match(img, { bytes: 1000000, ok: true });
  t.match(events.find((e) => e.kind === 'agent.callback'), { status: 200 });
  const urls = events.flatMap((e) => (e.kind === 'http.done' ? [e.url.replace(/^http:\/\/[^/]+/, '')] : []));
  t.same(urls, ['/boot.ipxe', '/ipxe/02-d9-00-00-00-00', '/qemu/vmlinuz', '/qemu/initrd.img', '/images/edge-os-1.0']);
  t.notOk(events.some((e) => e.kind === 'node.failed'));
});

t.test('the same transcript split into 1-byte chunks (serial arrives in arbitrary pieces) parses identically', async (t) => {
  const whole = parse([transcript]).events.map((e) => e.kind + ':' + ('phase' in e ? e.phase : ''));
  const bytes = parse([...transcript]).events.map((e) => e.kind + ':' + ('phase' in e ? e.phase : ''));
  t.same(bytes, whole);
});

t.test('installer failure and a bad disk image become node.failed with stable codes', async (t) => {
  const a = parse(['FLEETLAB-PHASE agent\r\nFLEETLAB-PHASE image url=http://x/i\r\nFLEETLAB-FAIL phase=image code=FLEETLAB_ERR_IMAGE_CHECKSUM msg=image_sha256_mismatch\r\n']).events;
  t.match(a.find((e) => e.kind === 'node.failed'), { phase: 'image', code: 'FLEETLAB_ERR_IMAGE_CHECKSUM', message: 'image sha256 mismatch' });
  const b = parse(['Booting from Hard Disk...\r\nSYSLINUX 6.04\r\nFLEETLAB-READY image=x sha256=00 bytes=1 ok=0\r\n']).events;
  t.same(phases(b), ['power-on', 'disk-boot']);
  t.match(b.find((e) => e.kind === 'node.failed'), { phase: 'disk-boot', code: 'FLEETLAB_ERR_IMAGE_CHECKSUM' });
  t.notOk(b.some((e) => e.kind === 'node.ready'));
  const c = parse(['[    2.4] Kernel panic - not syncing: No working init found.\r\n']).events;
  t.match(c.find((e) => e.kind === 'node.failed'), { code: 'FLEETLAB_ERR_QEMU' });
});

t.test('a blank disk that falls through to the NIC is not a disk boot; a later iPXE dhcp is ipxe-dhcp', async (t) => {
  const ev = parse(['Booting from Hard Disk...\r\nBoot failed: not a bootable disk\r\n\r\nBooting from ROM...\r\nConfiguring (net0 52:54:00:00:00:01)... ok\r\nnet0: 10.213.0.101/255.255.255.0 gw 10.213.0.1\r\ntftp://10.215.0.1/undionly.kpxe... ok\r\nConfiguring (net0 52:54:00:00:00:01)... ok\r\nnet0: 10.213.0.101/255.255.255.0 gw 10.213.0.1\r\n']).events;
  t.same(phases(ev), ['power-on', 'dhcp', 'tftp', 'ipxe-dhcp']);
  t.same(ev.filter((e) => e.kind === 'dhcp.ack').map((e) => (e.kind === 'dhcp.ack' ? e.stage : '')), ['pxe', 'ipxe']);
  t.ok(ev.some((e) => e.kind === 'tftp.done'));
});

t.test('"No bootable device" (iPXE DHCP missed its window on a loaded host) is retried; only a VM that never progresses fails', async (t) => {
  const noDevice = 'iPXE (PCI 00:03.0) starting execution...ok\r\nConfiguring (net0 52:54:00:12:34:56)...... No configuration methods succeeded\r\nNo bootable device.\r\n';
  const retried = parse([noDevice, noDevice, noDevice]);
  t.notOk(retried.events.some((e) => e.kind === 'node.failed'), 'three failed boots are within the retry budget');
  t.equal(retried.events.filter((e) => e.kind === 'log' && e.code === 'FLEETLAB_ERR_BOOT_NO_DEVICE').length, 3, 'each is reported as a warning');
  retried.p.feed(noDevice);
  t.match(retried.events.find((e) => e.kind === 'node.failed'), { code: 'FLEETLAB_ERR_BOOT_NO_DEVICE', message: /4 boots in a row/ }, 'the fourth in a row fails the node');

  const lease = 'Configuring (net0 52:54:00:12:34:56)...... ok\r\nnet0: 10.213.0.100/255.255.255.0 gw 10.213.0.1\r\n';
  const progressed = parse([noDevice, noDevice, noDevice, lease, noDevice, noDevice]);
  t.notOk(progressed.events.some((e) => e.kind === 'node.failed'), 'a lease renews the budget');
});
