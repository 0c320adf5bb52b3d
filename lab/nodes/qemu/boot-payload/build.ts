/**
 * Boot payload builder for the qemu tier: a Debian kernel + a busybox initramfs whose init is the
 * generic installer persona (init.sh), built from Debian packages without internet beyond the
 * Debian mirror, into a cache dir, idempotently (a manifest keyed on every input).
 *
 *   apt-get download linux-image-<ver>-amd64 syslinux syslinux-common mtools dropbear-bin …
 *     └─ dpkg -x (never installed) ─▶ vmlinuz, virtio *.ko, syslinux + mtools + dropbear binaries
 *   busybox (busybox-static) + init.sh + *.ko + dropbear & libs + lab SSH key (ssh-server.ts)
 *                                                   ──cpio newc + gzip──▶ initrd-disk.gz
 *   FAT superfloppy (mformat) + syslinux VBR + {vmlinuz, initrd-disk.gz, syslinux.cfg}
 *                                                       ──▶ diskboot.img (≤ 16 MiB boot region)
 *   initrd-disk contents + /boot/diskboot.img ──cpio + gzip──▶ initrd.img (the PXE initramfs)
 *
 * Run: `npx tsx lab/nodes/qemu/boot-payload/build.ts [--out DIR] [--force]`; library: `buildBootPayload()`.
 * Output (default `.cache/boot/`): vmlinuz, initrd.img, diskboot.img, manifest.json, and the lab
 * SSH key pair ssh/id_ed25519{,.pub} (generated once, kept across rebuilds).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { BOOT_REGION_BYTES, MIB } from './disk-layout.ts';
import { ensureLabSshKey, SSH_PACKAGES, stageSshServer, type LabSshKey } from './ssh-server.ts';

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(HERE, '..', '..', '..', '..');
export const DEFAULT_BOOT_CACHE = join(REPO_ROOT, '.cache', 'boot');
/** Bump when the build recipe changes in a way the inputs hash cannot see. */
const RECIPE = 4;
/** Loaded in this order by init.sh (dependencies first). */
export const MODULES = ['virtio_ring', 'virtio', 'virtio_pci_legacy_dev', 'virtio_pci_modern_dev', 'virtio_pci', 'failover', 'net_failover', 'virtio_net', 'virtio_blk', 'evdev'];
const BUSYBOX = '/bin/busybox';

export interface BootPayload {
  dir: string;
  vmlinuz: string;
  initrd: string;
  diskboot: string;
  /** The lab key pair whose public half is in the image's authorized_keys. */
  ssh: LabSshKey;
  manifest: BootManifest;
}

export interface BootManifest {
  key: string;
  kernelPackage: string;
  kernelVersion: string;
  builtAt: string;
  files: Record<string, { bytes: number; sha256: string }>;
}

export interface BuildOptions {
  out?: string;
  force?: boolean;
  log?: (line: string) => void;
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** The kernel package `linux-image-amd64` depends on (e.g. linux-image-6.1.0-56-amd64). */
async function kernelPackage(): Promise<string> {
  const { stdout } = await run('apt-cache', ['depends', 'linux-image-amd64']);
  const m = /Depends:\s*(linux-image-[0-9][^\s]*-amd64)/.exec(stdout);
  if (!m) throw new Error(`boot payload: cannot find the kernel package linux-image-amd64 depends on (apt-cache said: ${stdout.trim().slice(0, 200)}); run apt-get update`);
  return m[1]!;
}

/** Is the payload in `dir` complete and built from the same inputs? */
async function upToDate(dir: string, key: string): Promise<BootManifest | null> {
  try {
    const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as BootManifest;
    if (m.key !== key) return null;
    for (const [f, info] of Object.entries(m.files)) if ((await stat(join(dir, f))).size !== info.bytes) return null;
    return m;
  } catch {
    return null;
  }
}

async function cpioGz(root: string): Promise<Buffer> {
  // busybox cpio reads the file list on stdin; run from inside the staging root.
  const { stdout } = await run('sh', ['-c', `cd "${root}" && find . | sort | ${BUSYBOX} cpio -o -H newc 2>/dev/null`], { encoding: 'buffer', maxBuffer: 256 * MIB });
  return gzipSync(stdout, { level: 6 });
}

/** The payload's file paths inside `dir`. */
const payloadPaths = (dir: string) => ({ dir, vmlinuz: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img'), diskboot: join(dir, 'diskboot.img') });

/** The build's inputs and the key hashed over all of them (the manifest's `key`). */
async function buildInputs(out: string): Promise<{ initSh: Buffer; pkg: string; key: string; ssh: LabSshKey }> {
  const ssh = await ensureLabSshKey(out);
  const initSh = await readFile(join(HERE, 'init.sh'));
  if (!existsSync(BUSYBOX)) throw new Error(`boot payload: ${BUSYBOX} missing (install the busybox-static package)`);
  const busybox = await readFile(BUSYBOX);
  const pkg = await kernelPackage();
  const recipe = sha256(await readFile(fileURLToPath(import.meta.url)));
  const sshServer = sha256(await readFile(join(HERE, 'ssh-server.ts')));
  const key = sha256(JSON.stringify({ RECIPE, recipe, pkg, init: sha256(initSh), busybox: sha256(busybox), MODULES, sshServer, authorizedKey: ssh.publicLine }));
  return { initSh, pkg, key, ssh };
}

/** The unpacked kernel package: its root (`x`), its /boot, the vmlinuz name and version. */
interface Unpacked {
  x: string;
  bootDir: string;
  vmlinuzName: string;
  kernelVersion: string;
}

/** Step 1. Debian packages: downloaded once, kept in debs/ so rebuilds work offline. */
async function unpackPackages(pkg: string, debs: string, work: string, log: (line: string) => void): Promise<Unpacked> {
  const wanted = [pkg, 'syslinux', 'syslinux-common', 'mtools', ...SSH_PACKAGES];
  const have = await readdir(debs);
  const missing = wanted.filter((p) => !have.some((f) => f.startsWith(`${p}_`)));
  if (missing.length) {
    log(`apt-get download ${missing.join(' ')}`);
    await run('apt-get', ['download', ...missing], { cwd: debs, maxBuffer: 16 * MIB });
  }
  const x = join(work, 'x');
  for (const f of await readdir(debs)) if (wanted.some((p) => f.startsWith(`${p}_`))) await run('dpkg', ['-x', join(debs, f), x]);
  const bootDir = join(x, 'boot');
  const vmlinuzName = (await readdir(bootDir)).find((f) => f.startsWith('vmlinuz-'));
  if (!vmlinuzName) throw new Error(`boot payload: no vmlinuz-* in ${pkg}`);
  return { x, bootDir, vmlinuzName, kernelVersion: vmlinuzName.slice('vmlinuz-'.length) };
}

/** Step 2. The disk-mode initramfs tree in `root`: busybox, init, modules (flat in /lib/modules). */
async function stageInitramfs(root: string, initSh: Buffer, u: Unpacked, pkg: string, ssh: LabSshKey): Promise<void> {
  const modDir = join(u.x, 'lib', 'modules', u.kernelVersion, 'kernel');
  for (const d of ['bin', 'lib/modules', 'boot']) await mkdir(join(root, d), { recursive: true });
  await copyFile(BUSYBOX, join(root, 'bin', 'busybox'));
  await symlink('busybox', join(root, 'bin', 'sh')); // the kernel execs /init's #!/bin/sh
  await writeFile(join(root, 'init'), initSh, { mode: 0o755 });
  const { stdout: found } = await run('find', [modDir, '-name', '*.ko']);
  const byName = new Map(found.split('\n').filter(Boolean).map((p) => [p.slice(p.lastIndexOf('/') + 1, -3), p]));
  for (const m of MODULES) {
    const p = byName.get(m);
    if (!p) throw new Error(`boot payload: module ${m}.ko not found in ${pkg}`);
    await copyFile(p, join(root, 'lib', 'modules', `${m}.ko`));
  }
  await stageSshServer(root, u.x, ssh);
}

/** Step 3. The boot region: FAT superfloppy with syslinux, sized to fit (≤ 16 MiB). */
async function buildBootRegion(work: string, u: Unpacked, vmlinuz: Buffer, initrdDisk: Buffer): Promise<Buffer> {
  const { x } = u;
  const need = vmlinuz.length + initrdDisk.length + 2 * MIB;
  const sizeMiB = Math.ceil(need / MIB);
  if (sizeMiB * MIB > BOOT_REGION_BYTES) throw new Error(`boot payload: boot region needs ${sizeMiB} MiB > ${BOOT_REGION_BYTES / MIB} MiB`);
  const img = join(work, 'diskboot.img');
  await writeFile(img, Buffer.alloc(sizeMiB * MIB));
  const env = { ...process.env, PATH: `${join(x, 'usr', 'bin')}:${process.env.PATH ?? ''}`, MTOOLS_SKIP_CHECK: '1' };
  // FAT16 with a 64-head/32-sector geometry (1 MiB per cylinder), no partition table.
  await run(join(x, 'usr', 'bin', 'mformat'), ['-i', img, '-T', String(sizeMiB * 2048), '-h', '64', '-s', '32', '-v', 'FLEETLAB', '::'], { env });
  await run(join(x, 'usr', 'bin', 'syslinux'), ['--install', img], { env });
  const stage = join(work, 'fat');
  await mkdir(stage, { recursive: true });
  await writeFile(join(stage, 'vmlinuz'), vmlinuz);
  await writeFile(join(stage, 'initrd.gz'), initrdDisk);
  // quiet + console=ttyS0: kernel errors still reach the serial log the driver keeps.
  await writeFile(join(stage, 'syslinux.cfg'), 'SERIAL 0 115200\nDEFAULT fleetlab\nPROMPT 0\nTIMEOUT 0\nLABEL fleetlab\n  KERNEL vmlinuz\n  INITRD initrd.gz\n  APPEND fleetlab.mode=disk console=ttyS0 quiet\n');
  await run(join(x, 'usr', 'bin', 'mcopy'), ['-o', '-i', img, join(stage, 'vmlinuz'), join(stage, 'initrd.gz'), join(stage, 'syslinux.cfg'), '::/'], { env });
  return readFile(img);
}

export async function buildBootPayload(opts: BuildOptions = {}): Promise<BootPayload> {
  const out = resolve(opts.out ?? DEFAULT_BOOT_CACHE);
  const log = opts.log ?? (() => {});
  const { initSh, pkg, key, ssh } = await buildInputs(out);
  if (!opts.force) {
    const m = await upToDate(out, key);
    if (m) {
      log(`boot payload up to date in ${out} (${m.kernelPackage})`);
      return { ...payloadPaths(out), ssh, manifest: m };
    }
  }
  log(`building boot payload in ${out} from ${pkg}`);
  const work = join(out, 'work');
  const debs = join(out, 'debs');
  await rm(work, { recursive: true, force: true });
  await mkdir(debs, { recursive: true });
  await mkdir(work, { recursive: true });

  const u = await unpackPackages(pkg, debs, work, log);
  const root = join(work, 'root');
  await stageInitramfs(root, initSh, u, pkg, ssh);
  const initrdDisk = await cpioGz(root);
  const vmlinuz = await readFile(join(u.bootDir, u.vmlinuzName));
  const diskboot = await buildBootRegion(work, u, vmlinuz, initrdDisk);

  // 4. The PXE initramfs: same tree + the boot region it installs.
  await writeFile(join(root, 'boot', 'diskboot.img'), diskboot);
  const initrd = await cpioGz(root);

  await mkdir(out, { recursive: true });
  const p = payloadPaths(out);
  await writeFile(p.vmlinuz, vmlinuz);
  await writeFile(p.initrd, initrd);
  await writeFile(p.diskboot, diskboot);
  const files: BootManifest['files'] = {};
  for (const [f, b] of [['vmlinuz', vmlinuz], ['initrd.img', initrd], ['diskboot.img', diskboot]] as const) files[f] = { bytes: b.length, sha256: sha256(b) };
  const manifest: BootManifest = { key, kernelPackage: pkg, kernelVersion: u.kernelVersion, builtAt: new Date().toISOString(), files };
  await writeFile(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  await rm(work, { recursive: true, force: true });
  log(`boot payload built: vmlinuz ${vmlinuz.length} B, initrd.img ${initrd.length} B, diskboot.img ${diskboot.length} B`);
  return { ...p, ssh, manifest };
}

/** Built payload if present and current, else build it (first use). */
export function ensureBootPayload(opts: BuildOptions = {}): Promise<BootPayload> {
  return buildBootPayload({ ...opts, force: false });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const outIdx = args.indexOf('--out');
  buildBootPayload({ out: outIdx >= 0 ? args[outIdx + 1] : undefined, force: args.includes('--force'), log: (l) => process.stdout.write(`lab/nodes/qemu/boot-payload: ${l}\n`) }).then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`lab/nodes/qemu/boot-payload: ${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}
