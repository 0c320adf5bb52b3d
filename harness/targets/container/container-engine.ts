/**
 * The container side of the `container` target, over the Docker API (dockerode): Docker Engine or
 * Podman's Docker-compatible service, whichever `DOCKER_HOST` / the `docker` option names.
 *
 *   image (local, else pulled) ─▶ create (host network, labels, binds, env, cmd) ─▶ start
 *   ─▶ logs streamed line by line ─▶ … ─▶ kill + remove (every exit path)
 *
 * Every container carries CONTAINER_LABEL (run directory), OWNER_LABEL (the fleetlab pid) and
 * RUN_ID_LABEL, so `fleetlab lab gc` finds what a killed run left (./container-gc.ts).
 */
import Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { FleetlabError } from '../../../lab/base/errors.ts';

/** Label on every container fleetlab creates (the value is the run directory), for cleanup. */
export const CONTAINER_LABEL = 'fleetlab.run';
/** pid of the fleetlab process that created the container (gc: owner gone = leftover). */
export const OWNER_LABEL = 'fleetlab.owner';
/** The run's id (`lab gc --run ID`). */
export const RUN_ID_LABEL = 'fleetlab.runId';

export interface ContainerSpec {
  image: string;
  cmd?: string[];
  env: string[];
  binds: string[];
  workdir?: string;
  labels: Record<string, string>;
}

export interface RunningContainer {
  readonly id: string;
  /** Image id (sha256) and repo digests, for the run's record. */
  readonly imageId: string;
  readonly repoDigests: string[];
  /** The image's labels (org.opencontainers.image.version, fleetlab.server, …). */
  readonly imageLabels: Record<string, string>;
  /** The container's main process as the host sees it (0 when the engine does not say). */
  readonly pid: number;
  /** Resolves with the exit code when the container stops. */
  readonly exited: Promise<number>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  remove(): Promise<void>;
}

/** `unix:///path`, `/path` or `tcp://host:port`; default DOCKER_HOST, else Podman's root socket. */
export function dockerClient(endpoint: string | undefined): Docker {
  const e = endpoint ?? process.env.DOCKER_HOST ?? 'unix:///run/podman/podman.sock';
  if (e.startsWith('tcp://') || e.startsWith('http://')) {
    const u = new URL(e.replace(/^tcp:/, 'http:'));
    return new Docker({ host: u.hostname, port: Number(u.port || 2375) });
  }
  return new Docker({ socketPath: e.replace(/^unix:\/\//, '') });
}

/** The engine answers and has `ref` (local, else pulled): its inspect record. */
export async function resolveImage(docker: Docker, ref: string): Promise<Docker.ImageInspectInfo> {
  try {
    await docker.ping();
  } catch (e) {
    throw new FleetlabError('TARGET_START', `container engine not reachable: ${(e as Error).message}`);
  }
  return localOrPulled(docker, ref);
}

export async function startContainer(docker: Docker, spec: ContainerSpec, onLine: (stream: 'stdout' | 'stderr', line: string) => void, resolved?: Docker.ImageInspectInfo): Promise<RunningContainer> {
  const image = resolved ?? (await resolveImage(docker, spec.image));
  const c = await docker.createContainer({
    Image: spec.image,
    ...(spec.cmd ? { Cmd: spec.cmd } : {}),
    Env: spec.env,
    Labels: { [OWNER_LABEL]: String(process.pid), ...spec.labels },
    ...(spec.workdir ? { WorkingDir: spec.workdir } : {}),
    HostConfig: { NetworkMode: 'host', Binds: spec.binds },
  });
  const remove = () => c.remove({ force: true }).then(() => undefined, () => undefined);
  try {
    const logs = await c.attach({ stream: true, stdout: true, stderr: true });
    for (const [name, s] of [['stdout', new PassThrough()], ['stderr', new PassThrough()]] as const) {
      let buf = '';
      s.on('data', (d: Buffer) => {
        buf += d.toString();
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          onLine(name, buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
      if (name === 'stdout') docker.modem.demuxStream(logs, s, new PassThrough());
      else docker.modem.demuxStream(logs, new PassThrough(), s);
    }
    await c.start();
    // Waited for after start: before it, "not running" already holds. A wait the engine refuses
    // tells nothing (the health deadline still applies), so it never resolves.
    const exited = c.wait().then(
      (r: { StatusCode: number }) => r.StatusCode,
      () => new Promise<number>(() => undefined),
    );
    const pid = await c.inspect().then((i) => i.State.Pid, () => 0);
    return {
      id: c.id,
      imageId: image.Id,
      repoDigests: image.RepoDigests ?? [],
      imageLabels: image.Config.Labels ?? {},
      pid,
      exited,
      kill: (signal) => c.kill(signal ? { signal } : {}).then(() => undefined),
      pause: () => c.pause().then(() => undefined),
      resume: () => c.unpause().then(() => undefined),
      remove,
    };
  } catch (e) {
    await remove();
    throw new FleetlabError('TARGET_START', `container ${spec.image}: ${(e as Error).message}`);
  }
}

async function localOrPulled(docker: Docker, ref: string): Promise<Docker.ImageInspectInfo> {
  try {
    return await docker.getImage(ref).inspect();
  } catch {
    // not local: try the registry (none may be reachable)
  }
  try {
    const stream = await docker.pull(ref);
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve())));
    return await docker.getImage(ref).inspect();
  } catch (e) {
    throw new FleetlabError('CONTAINER_IMAGE', `--target-opt image=${ref}: no such local image and it cannot be pulled: ${(e as Error).message}`);
  }
}
