/**
 * The SSH server of the "installed OS" the boot payload's disk mode boots: Debian's dropbear
 * (dropbear-bin) with the shared libraries it needs, and the lab's provisioning key baked into
 * root's authorized_keys — like a golden image built with a provisioning key, so the lab (and
 * Ansible after it) can log in to every node it provisioned and verify it.
 *
 *   apt-get download dropbear-bin libtomcrypt1 libtommath1 ─dpkg -x─▶ x/usr/sbin/dropbear …
 *   ldd (LD_LIBRARY_PATH = x's lib dirs) ─▶ every lib at its absolute path in the initramfs
 *   <cache>/ssh/id_ed25519{,.pub} (generated once, OpenSSH format: ssh2 and OpenSSH read it)
 *     ─▶ /root/.ssh/authorized_keys;  /etc/passwd, /etc/shells for dropbear's account checks
 *
 * The key pair lives beside the payload (not in its work dir) and survives rebuilds; its public
 * half is a build input, so a new key gives a new payload key (manifest.json).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian packages dropbear needs beyond what every Debian host has (libc6, libcrypt1, zlib1g, libgmp10). */
export const SSH_PACKAGES = ['dropbear-bin', 'libtomcrypt1', 'libtommath1'];
/** Binaries copied into the image: the server, and the key tool init.sh makes the host key with. */
const BINARIES = [['usr/sbin/dropbear', 'bin/dropbear'], ['usr/bin/dropbearkey', 'bin/dropbearkey']] as const;
/** The login the lab uses on provisioned qemu nodes. */
export const LAB_SSH_USER = 'root';

export interface LabSshKey {
  /** Private key file (OpenSSH format, no passphrase). */
  privateKey: string;
  publicKey: string;
  /** The public key line (`ssh-ed25519 AAAA… fleetlab-lab`). */
  publicLine: string;
}

/** Paths of the lab key pair in a payload cache dir (it may not exist yet). */
export function labSshKeyPaths(cacheDir: string): { privateKey: string; publicKey: string } {
  return { privateKey: join(cacheDir, 'ssh', 'id_ed25519'), publicKey: join(cacheDir, 'ssh', 'id_ed25519.pub') };
}

/** The lab key pair in `cacheDir`, generated with ssh-keygen the first time. */
export async function ensureLabSshKey(cacheDir: string): Promise<LabSshKey> {
  const p = labSshKeyPaths(cacheDir);
  if (!existsSync(p.privateKey) || !existsSync(p.publicKey)) {
    await mkdir(dirname(p.privateKey), { recursive: true, mode: 0o700 });
    try {
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'fleetlab-lab', '-f', p.privateKey]);
    } catch (e) {
      throw new Error(`boot payload: cannot generate the lab SSH key with ssh-keygen (install openssh-client): ${(e as Error).message}`);
    }
  }
  await chmod(p.privateKey, 0o600);
  return { ...p, publicLine: (await readFile(p.publicKey, 'utf8')).trim() };
}

/** Library paths `ldd` resolves for `bin` (the dynamic loader included). */
async function sharedLibs(bin: string, libPath: string): Promise<string[]> {
  const { stdout } = await run('ldd', [bin], { env: { ...process.env, LD_LIBRARY_PATH: libPath } });
  const libs: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]!);
    else if (/not found/.test(line)) throw new Error(`boot payload: ${bin} needs ${line.trim()} (add its package to SSH_PACKAGES)`);
  }
  return libs;
}

/** Stage dropbear, its libraries, the accounts files and the lab key into the initramfs `root`. */
export async function stageSshServer(root: string, x: string, key: LabSshKey): Promise<void> {
  const libPath = ['usr/lib/x86_64-linux-gnu', 'lib/x86_64-linux-gnu'].map((d) => join(x, d)).join(':');
  for (const [from, to] of BINARIES) {
    const src = join(x, from);
    if (!existsSync(src)) throw new Error(`boot payload: ${from} not found in dropbear-bin`);
    await copyFile(src, join(root, to));
    await chmod(join(root, to), 0o755);
    for (const lib of await sharedLibs(src, libPath)) {
      // Libraries from the unpacked packages go where the loader looks for them on Debian.
      const inImage = lib.startsWith(x) ? lib.slice(x.length).replace(/^\/usr\/lib\//, '/lib/') : lib;
      await mkdir(join(root, dirname(inImage)), { recursive: true });
      await copyFile(lib, join(root, inImage)); // follows symlinks: the real file under the soname
    }
  }
  await mkdir(join(root, 'etc', 'dropbear'), { recursive: true });
  await mkdir(join(root, 'root', '.ssh'), { recursive: true, mode: 0o700 });
  // 'x' with no shadow entry: not blank, not locked ('!'), and no password can match it.
  await writeFile(join(root, 'etc', 'passwd'), `${LAB_SSH_USER}:x:0:0:root:/root:/bin/sh\n`);
  await writeFile(join(root, 'etc', 'group'), 'root:x:0:\n');
  await writeFile(join(root, 'etc', 'shells'), '/bin/sh\n');
  await writeFile(join(root, 'root', '.ssh', 'authorized_keys'), `${key.publicLine}\n`, { mode: 0o600 });
}
