/**
 * Test kit (not a test): one `podman system service` (runc, default_ulimits = [], as this host
 * needs) shared by every container test on the host, on a socket in /var/tmp/fleetlab-test-podman
 * (never under $TMPDIR: tests with different TMPDIRs share it), and tiny local images built from
 * directories, since no registry is reachable. Images are cached in podman's storage.
 *
 *   sharedPodman(): lock ─▶ users/<pid> ─▶ service answering? reuse : spawn (detached, --time=600)
 *   release():     lock ─▶ rm users/<pid>, prune dead pids ─▶ none left? SIGTERM the service
 * A test killed before release() leaves a dead pid (pruned by the next user); the service's idle
 * timeout (--time) stops it when nobody comes back.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, copyFileSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { acquireHostLock, pidAlive } from '../../../../lab/base/host-lock.ts';

export const TEST_IMAGE = 'localhost/fleetlab-test-host:1';
const DIR = '/var/tmp/fleetlab-test-podman';

export function podmanAvailable(): boolean {
  return spawnSync('podman', ['--version']).status === 0 && spawnSync('runc', ['--version']).status === 0;
}

export interface PodmanService {
  socket: string;
  /** Environment for the podman CLI (its containers.conf). */
  env: NodeJS.ProcessEnv;
  docker: Docker;
  stop(): Promise<void>;
}

const answers = (docker: Docker) => docker.ping().then(() => true, () => false);

/** The shared service (started if nobody runs it); stop() releases this process's use of it. */
export async function startPodmanService(): Promise<PodmanService> {
  mkdirSync(join(DIR, 'users'), { recursive: true });
  const conf = join(DIR, 'containers.conf');
  const socket = join(DIR, 'podman.sock');
  const env = { ...process.env, CONTAINERS_CONF: conf };
  const docker = new Docker({ socketPath: socket });
  const lock = await acquireHostLock('test-podman-service', { what: 'the shared test podman service' });
  try {
    writeFileSync(conf, '[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\n');
    writeFileSync(join(DIR, 'users', String(process.pid)), '');
    if (!(await answers(docker))) {
      rmSync(socket, { force: true });
      const child = spawn('podman', ['system', 'service', '--time=600', `unix://${socket}`], { env, stdio: 'ignore', detached: true });
      child.unref();
      writeFileSync(join(DIR, 'service.pid'), String(child.pid));
      for (let i = 0; i < 200 && !(await answers(docker)); i++) await new Promise((r) => setTimeout(r, 100));
      if (!(await answers(docker))) throw new Error('podman system service did not answer on its socket');
    }
  } finally {
    lock.release();
  }
  let stopped = false;
  return {
    socket,
    env,
    docker,
    async stop() {
      if (stopped) return;
      stopped = true;
      const l = await acquireHostLock('test-podman-service', { what: 'the shared test podman service' });
      try {
        rmSync(join(DIR, 'users', String(process.pid)), { force: true });
        const users = readdirSync(join(DIR, 'users')).filter((p) => (pidAlive(Number(p)) ? true : (rmSync(join(DIR, 'users', p), { force: true }), false)));
        if (users.length > 0) return;
        const pid = Number(readFileSync(join(DIR, 'service.pid'), 'utf8'));
        if (pid > 0 && pidAlive(pid)) {
          process.kill(pid, 'SIGTERM');
          for (let i = 0; i < 100 && pidAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        l.release();
      }
    },
  };
}

/** Builds TEST_IMAGE once (podman import of a directory: busybox + mount points); later calls reuse it. */
export function ensureTestImage(env: NodeJS.ProcessEnv): void {
  if (spawnSync('podman', ['image', 'exists', TEST_IMAGE], { env }).status === 0) return;
  const root = mkdtempSync(join(tmpdir(), 'fleetlab-rootfs-'));
  try {
    for (const d of ['usr', 'tmp', 'proc', 'sys', 'dev', 'etc', 'work']) mkdirSync(join(root, d), { recursive: true });
    for (const l of ['bin', 'lib', 'lib64']) symlinkSync(`usr/${l}`, join(root, l));
    mkdirSync(join(root, 'opt'), { recursive: true });
    copyFileSync('/usr/bin/busybox', join(root, 'opt', 'busybox'));
    const r = spawnSync('sh', ['-c', `tar -C '${root}' -c . | podman import --change 'CMD ["/opt/busybox","sh"]' - ${TEST_IMAGE}`], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`podman import: ${r.stderr}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Containers this test's runs left (label fleetlab.run under `outPrefix`). */
export async function leftovers(docker: Docker, outPrefix: string): Promise<string[]> {
  const l = await docker.listContainers({ all: true, filters: { label: ['fleetlab.target=container'] } });
  return l.filter((c) => c.Labels['fleetlab.run']?.startsWith(outPrefix)).map((c) => c.Id);
}

