/**
 * A real dropbear (Debian dropbear-bin) on host loopback for fast SSH client tests, with its own
 * account: it runs in a private mount namespace (unshare -m) where /etc/passwd and /etc/shadow
 * are bind-mounted files of the test's, so the user `fltest` (home in a temp dir, a known
 * password, the test's authorized_keys) exists for this dropbear only and nothing of the host's
 * accounts is read or changed. Needs root (unshare, mount) and dropbear-bin.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface HostDropbear {
  port: number;
  user: string;
  password: string;
  /** Private key whose public half is in the user's authorized_keys (OpenSSH format). */
  keyFile: string;
  /** dropbearkey's fingerprint of the server's host key. */
  fingerprint: string;
  dir: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function listening(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`dropbear exited ${child.exitCode}: ${log()}`);
    const up = await new Promise<boolean>((r) => {
      const c = connect(port, '127.0.0.1', () => (c.destroy(), r(true)));
      c.once('error', () => r(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`dropbear did not listen on 127.0.0.1:${port}: ${log()}`);
}

export async function startHostDropbear(o: { allowPassword?: boolean } = {}): Promise<HostDropbear> {
  const dir = mkdtempSync(join(tmpdir(), 'fl-dropbear-'));
  const user = 'fltest';
  const password = 'lab-pass-1';
  const home = join(dir, 'home');
  mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  execFileSync('chmod', ['755', dir]);
  const keyFile = join(dir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'fltest', '-f', keyFile]);
  writeFileSync(join(home, '.ssh', 'authorized_keys'), readFileSync(`${keyFile}.pub`), { mode: 0o600 });
  const hostKey = join(dir, 'host_ed25519');
  execFileSync('dropbearkey', ['-t', 'ed25519', '-f', hostKey], { stdio: 'ignore' });
  const fingerprint = /Fingerprint: (\S+)/.exec(execFileSync('dropbearkey', ['-y', '-f', hostKey], { encoding: 'utf8' }))![1]!;
  const hash = execFileSync('openssl', ['passwd', '-6', password], { encoding: 'utf8' }).trim();
  writeFileSync(join(dir, 'passwd'), `root:x:0:0:root:/root:/bin/sh\n${user}:x:0:0:fleetlab test:${home}:/bin/sh\n`);
  writeFileSync(join(dir, 'shadow'), `root:*:19000:0:99999:7:::\n${user}:${hash}:19000:0:99999:7:::\n`, { mode: 0o600 });
  const port = await freePort();
  const args = ['-F', '-E', '-p', `127.0.0.1:${port}`, '-r', hostKey, '-P', join(dir, 'pid'), ...(o.allowPassword ? [] : ['-s'])];
  const script = `mount --bind "${dir}/passwd" /etc/passwd && mount --bind "${dir}/shadow" /etc/shadow && exec dropbear ${args.map((a) => `'${a}'`).join(' ')}`;
  const child = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  try {
    await listening(port, child, () => log);
  } catch (e) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    port, user, password, keyFile, fingerprint, dir,
    async stop() {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
