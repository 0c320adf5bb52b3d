/**
 * A server fleetlab configures itself (Kea) run from a container image instead of a host binary:
 * the same Daemon contract as ../common/daemon.ts (ready/fatal log lines, kill, stop), so the
 * DHCP-daemon target drives a containerised Kea exactly like the host one.
 *
 *   DaemonOptions {cmd, args, env} ─▶ container (host network, run dir bound at its own path,
 *   labels) ─▶ log lines ─▶ ready? : fatal / exit / timeout ─▶ remove + TARGET_START
 *   stop(): SIGTERM ─▶ grace ─▶ remove (force)        kill(sig): signal the container
 */
import type Docker from 'dockerode';
import { FleetlabError } from '../../../lab/base/errors.ts';
import { awaitStartup, keyLine, type Daemon, type DaemonOptions } from '../common/daemon.ts';
import { startContainer, type RunningContainer } from './container-engine.ts';

export interface ContainerDaemonPlan {
  docker: Docker;
  image: Docker.ImageInspectInfo;
  ref: string;
  labels: Record<string, string>;
  /** Host directories the daemon's config/lease files live in, bound at the same path. */
  dirs: string[];
  /** Every log line (for the event log). */
  onLine(line: string): void;
  /** Called with the container once it runs (fault hooks, version record). */
  onStarted(c: RunningContainer): void;
}

/** A `startDaemon` replacement that runs `o.cmd` inside the image of `plan`. */
export function containerLauncher(plan: ContainerDaemonPlan): (o: DaemonOptions) => Promise<Daemon> {
  return async (o) => {
    const lines: string[] = [];
    let onLine: (l: string) => void = () => {};
    const c = await startContainer(
      plan.docker,
      { image: plan.ref, cmd: [o.cmd, ...o.args], env: Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${v}`), binds: plan.dirs.map((d) => `${d}:${d}`), labels: plan.labels },
      (_stream, l) => {
        lines.push(l);
        if (lines.length > 200) lines.shift();
        plan.onLine(l);
        onLine(l);
      },
      plan.image,
    );
    let running = true;
    const exited = c.exited.then((code) => {
      running = false;
      return { code, signal: null };
    });
    let stopping: Promise<void> | undefined;
    const d: Daemon = {
      pid: c.pid,
      get running() {
        return running;
      },
      exited,
      log: () => [...lines],
      kill: (sig = 'SIGKILL') => {
        if (running) void c.kill(sig).catch(() => undefined);
      },
      stop(graceMs = 3000) {
        stopping ??= (async () => {
          if (running) {
            await c.kill('SIGTERM').catch(() => undefined);
            await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
          }
          await c.remove();
        })();
        return stopping;
      },
    };
    const { outcome, fatalLine } = await awaitStartup(o, exited, new Promise<Error>(() => undefined), (f) => (onLine = f));
    onLine = () => {};
    if (outcome !== 'ready') {
      await d.stop(500);
      const why = keyLine(fatalLine, lines);
      throw new FleetlabError('TARGET_START', `${o.name} in container ${plan.ref}: ${outcome}${why ? `: ${why}` : ''}`, { log: lines.slice(-40) });
    }
    plan.onStarted(c);
    return d;
  };
}
