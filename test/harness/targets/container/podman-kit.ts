/**
 * Test kit (not a test): a private `podman system service` (runc, default_ulimits = [], as this
 * host needs) on a socket in a temp dir, and a tiny local image built from a directory (busybox +
 * mount points; the host's node and this checkout are bound in), since no registry is reachable.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, copyFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TEST_IMAGE = 'localhost/fleetlab-test-host:1';

export function podmanAvailable(): boolean {
  return spawnSync('podman', ['--version']).status === 0 && spawnSync('runc', ['--version']).status === 0;
}

export async function startPodmanService(dir: string): Promise<{ socket: string; env: NodeJS.ProcessEnv; stop(): Promise<void> }> {
  const conf = join(dir, 'containers.conf');
  writeFileSync(conf, '[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\n');
  const socket = join(dir, 'podman.sock');
  const env = { ...process.env, CONTAINERS_CONF: conf };
  const child: ChildProcess = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], { env, stdio: 'ignore' });
  for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 100));
  if (!existsSync(socket)) throw new Error('podman system service did not create its socket');
  return {
    socket,
    env,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Builds TEST_IMAGE once (podman import of a directory); later calls reuse it. */
export function ensureTestImage(dir: string, env: NodeJS.ProcessEnv): void {
  if (spawnSync('podman', ['image', 'exists', TEST_IMAGE], { env }).status === 0) return;
  const root = join(dir, 'rootfs');
  for (const d of ['usr', 'tmp', 'proc', 'sys', 'dev', 'etc', 'work']) mkdirSync(join(root, d), { recursive: true });
  for (const l of ['bin', 'lib', 'lib64']) symlinkSync(`usr/${l}`, join(root, l));
  mkdirSync(join(root, 'opt'), { recursive: true });
  copyFileSync('/usr/bin/busybox', join(root, 'opt', 'busybox'));
  const r = spawnSync('sh', ['-c', `tar -C '${root}' -c . | podman import --change 'CMD ["/opt/busybox","sh"]' - ${TEST_IMAGE}`], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`podman import: ${r.stderr}`);
}
