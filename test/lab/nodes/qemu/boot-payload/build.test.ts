/**
 * The qemu boot payload (CI builds it first with `npx tsx lab/nodes/qemu/boot-payload/build.ts`; this reuses
 * the cache or builds it once): a Debian kernel, an installer initramfs carrying the syslinux
 * boot region it installs, and an idempotent manifest.
 */
import t from 'tap';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { ensureBootPayload, buildBootPayload } from '../../../../../lab/nodes/qemu/boot-payload/build.ts';
import { BOOT_REGION_BYTES, parseDiskMeta } from '../../../../../lab/nodes/qemu/boot-payload/disk-layout.ts';

t.setTimeout(240_000);

t.test('the payload is a real bzImage + gzip initramfs with the installer init and the boot region', async (t) => {
  const p = await ensureBootPayload();
  const k = readFileSync(p.vmlinuz);
  t.equal(k.toString('latin1', 0x202, 0x206), 'HdrS', 'vmlinuz carries the Linux boot protocol header');
  const initrd = readFileSync(p.initrd);
  t.same([...initrd.subarray(0, 2)], [0x1f, 0x8b], 'initrd is gzip');
  const list = execFileSync('sh', ['-c', `gzip -dc < "${p.initrd}" | busybox cpio -t 2>/dev/null`], { encoding: 'utf8', maxBuffer: 1 << 24 });
  for (const f of ['init', 'bin/busybox', 'bin/sh', 'boot/diskboot.img', 'lib/modules/virtio_net.ko', 'lib/modules/virtio_blk.ko', 'bin/dropbear', 'bin/dropbearkey', 'lib64/ld-linux-x86-64.so.2', 'lib/x86_64-linux-gnu/libtomcrypt.so.1', 'etc/passwd', 'root/.ssh/authorized_keys']) t.ok(list.split('\n').includes(f), `initramfs has ${f}`);
  const keys = execFileSync('sh', ['-c', `gzip -dc < "${p.initrd}" | busybox cpio -i --to-stdout root/.ssh/authorized_keys 2>/dev/null`], { encoding: 'utf8' });
  t.equal(keys.trim(), p.ssh.publicLine, "the lab key is root's authorized key");
  t.match(readFileSync(p.ssh.privateKey, 'utf8'), /^-----BEGIN OPENSSH PRIVATE KEY-----/, 'the private half is OpenSSH format (ssh2 and ssh read it)');
  const boot = readFileSync(p.diskboot);
  t.ok(boot.length <= BOOT_REGION_BYTES, 'boot region fits its 16 MiB slot');
  t.same([boot[510], boot[511]], [0x55, 0xaa], 'boot region sector 0 is bootable (SeaBIOS checks 55 AA)');
  t.equal(p.manifest.files['initrd.img']?.bytes, initrd.length);
});

t.test('a second build with unchanged inputs is a no-op (same key, files untouched)', async (t) => {
  const a = await ensureBootPayload();
  const m1 = statSync(a.initrd).mtimeMs;
  const b = await buildBootPayload();
  t.equal(b.manifest.key, a.manifest.key);
  t.equal(statSync(b.initrd).mtimeMs, m1);
});

t.test('another lab key is another payload: the manifest key covers the authorized key', async (t) => {
  const a = await ensureBootPayload();
  const out = mkdtempSync(join(tmpdir(), 'fl-payload-key-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  cpSync(join(a.dir, 'debs'), join(out, 'debs'), { recursive: true }); // no second download
  mkdirSync(join(out, 'ssh'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(out, 'ssh', 'id_ed25519')]);
  const b = await buildBootPayload({ out });
  t.not(b.manifest.key, a.manifest.key);
  t.equal(b.ssh.publicLine, readFileSync(join(out, 'ssh', 'id_ed25519.pub'), 'utf8').trim(), 'an existing key pair is kept, not regenerated');
  t.not(b.ssh.publicLine, a.ssh.publicLine);
});

t.test('disk metadata round-trips and rejects foreign blocks', async (t) => {
  const block = Buffer.alloc(4096);
  block.write('FLEETLAB-DISK v1\nname=edge-os-1.0\nsha256=abc\nbytes=1000000\nurl=http://x/i\n');
  t.same(parseDiskMeta(block), { name: 'edge-os-1.0', sha256: 'abc', bytes: 1000000, url: 'http://x/i' });
  t.equal(parseDiskMeta(Buffer.alloc(4096)), null);
  t.equal(parseDiskMeta(Buffer.from('FLEETLAB-DISK v1\nname=x\n')), null);
});
