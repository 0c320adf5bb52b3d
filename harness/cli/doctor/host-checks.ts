/**
 * The host facts `fleetlab doctor` checks, one small probe each. A probe only looks: it runs a
 * tool's `--version`, binds a socket and closes it, reads /proc — it never changes the host
 * (the netns probe creates a namespace named after this process and deletes it at once).
 *
 * Every check says what it found and, when it fails, how to fix it (the Debian package, or "run
 * as root"), so the output is a to-do list rather than a riddle.
 */
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { accessSync, constants, existsSync } from 'node:fs';
import { request } from 'node:http';
import { CAP_NET_ADMIN, CAP_NET_BIND_SERVICE, hostCaps } from '../../run/host-needs.ts';

export interface CheckResult {
  id: string;
  ok: boolean;
  /** What was found (version line, address bound, error). */
  detail: string;
  /** How to make a failed check pass. */
  fix?: string;
}

export type HostCheck = () => Promise<CheckResult>;

function firstLine(s: string): string {
  return s.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
}

/** A tool from a Debian package, present when `bin args` exits 0. */
export function toolCheck(bin: string, args: string[], pkg: string): HostCheck {
  return async () => {
    try {
      const out = execFileSync(bin, args, { encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'pipe'] });
      return { id: `tool:${bin}`, ok: true, detail: firstLine(out) || 'present' };
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
      // Some tools print their version and exit non-zero (socat -V is fine; others are not).
      const missing = err.code === 'ENOENT';
      return { id: `tool:${bin}`, ok: false, detail: missing ? 'not found' : firstLine(err.stderr ?? '') || String(err.message), fix: `apt-get install ${pkg}` };
    }
  };
}

export const rootCheck: HostCheck = async () => {
  const uid = process.getuid?.() ?? -1;
  const has = hostCaps().has;
  const ok = uid === 0 || (has(CAP_NET_ADMIN) && has(CAP_NET_BIND_SERVICE));
  return {
    id: 'root',
    ok,
    detail: uid === 0 ? 'uid 0' : `uid ${uid}, CAP_NET_ADMIN ${has(CAP_NET_ADMIN) ? 'yes' : 'no'}, CAP_NET_BIND_SERVICE ${has(CAP_NET_BIND_SERVICE) ? 'yes' : 'no'}`,
    fix: ok ? undefined : 'run as root (sudo) — or grant CAP_NET_ADMIN and CAP_NET_BIND_SERVICE',
  };
};

/** Can this process bind a UDP port below 1024 on a loopback address? (Busy counts as bindable.) */
export function udpPortCheck(address: string, port: number, what: string): HostCheck {
  return () =>
    new Promise((resolveCheck) => {
      const s = createSocket({ type: 'udp4', reuseAddr: false });
      const done = (r: CheckResult) => {
        try {
          s.close();
        } catch {
          // never bound
        }
        resolveCheck(r);
      };
      const id = `port:${address}:${port}`;
      s.once('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'EADDRINUSE') done({ id, ok: true, detail: `${address}:${port} is in use by another process (another ${what}?); fleetlab waits for its host lock` });
        else done({ id, ok: false, detail: `${address}:${port}: ${e.code ?? e.message}`, fix: e.code === 'EACCES' ? `run as root: ${what} binds port ${port}` : undefined });
      });
      s.bind(port, address, () => done({ id, ok: true, detail: `bound and released ${address}:${port}` }));
    });
}

export const netnsCheck: HostCheck = async () => {
  const name = `fl-doctor-${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', name], { stdio: 'pipe', timeout: 10_000 });
    execFileSync('ip', ['netns', 'del', name], { stdio: 'pipe', timeout: 10_000 });
    return { id: 'netns', ok: true, detail: 'created and deleted a network namespace' };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    return {
      id: 'netns',
      ok: false,
      detail: err.code === 'ENOENT' ? 'ip (iproute2) not found' : firstLine(err.stderr?.toString() ?? err.message),
      fix: err.code === 'ENOENT' ? 'apt-get install iproute2' : 'run as root (network namespaces need CAP_SYS_ADMIN)',
    };
  }
};

export const tunCheck: HostCheck = async () => {
  try {
    accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
    return { id: 'tun', ok: true, detail: '/dev/net/tun is usable' };
  } catch (e) {
    return { id: 'tun', ok: false, detail: `/dev/net/tun: ${(e as NodeJS.ErrnoException).code ?? 'missing'}`, fix: 'run as root; in a container, pass --device /dev/net/tun' };
  }
};

export const kvmCheck: HostCheck = async () => {
  // Informational: TCG always works. /dev/kvm present does not prove guests run (they crash on
  // some hosts), which is why the qemu tier only uses KVM when asked or when a probe guest boots.
  const present = existsSync('/dev/kvm');
  return { id: 'kvm', ok: true, detail: present ? '/dev/kvm present (KVM selectable with FLEETLAB_QEMU_ACCEL=kvm|auto; TCG is the default)' : 'no /dev/kvm: qemu runs with TCG' };
};

export const pythonModuleCheck = (module: string, pkg: string): HostCheck => async () => {
  try {
    execFileSync('/usr/bin/python3', ['-c', `import ${module}`], { stdio: 'pipe', timeout: 30_000 });
    return { id: `python:${module}`, ok: true, detail: `Debian's python3 can import ${module}` };
  } catch {
    return { id: `python:${module}`, ok: false, detail: `/usr/bin/python3 cannot import ${module}`, fix: `apt-get install ${pkg}` };
  }
};

/** A Docker-API endpoint (Docker Engine or `podman system service`) answering GET /_ping. */
export const containerApiCheck: HostCheck = async () => {
  const fromEnv = process.env.DOCKER_HOST?.startsWith('unix://') ? process.env.DOCKER_HOST.slice('unix://'.length) : undefined;
  const candidates = [fromEnv, '/run/podman/podman.sock', '/var/run/docker.sock'].filter((p): p is string => !!p);
  for (const socketPath of candidates) {
    if (!existsSync(socketPath)) continue;
    const ok = await new Promise<boolean>((res) => {
      const req = request({ socketPath, path: '/_ping', timeout: 5_000 }, (r) => {
        r.resume();
        res(r.statusCode === 200);
      });
      req.on('error', () => res(false));
      req.on('timeout', () => req.destroy());
      req.end();
    });
    if (ok) return { id: 'container-api', ok: true, detail: `Docker API answers on ${socketPath}` };
  }
  return {
    id: 'container-api',
    ok: false,
    detail: `no Docker API on ${candidates.join(', ')}`,
    fix: 'apt-get install podman runc, then `podman system service --time=0 unix:///run/podman/podman.sock &` (or set DOCKER_HOST)',
  };
};
