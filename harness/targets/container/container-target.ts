/**
 * Target `container`: fleetlab starts the server from a container image (Docker API: Docker
 * Engine or `podman system service`), on the host network so it binds the addresses the lab's
 * relays reach, and removes it on every exit path. Once it is healthy it is driven exactly like
 * an `external` server: a mapping file, the same api/dhcp/tftp options.
 *
 *   image ─▶ create + start (labels fleetlab.run) ─▶ logs → event log ─▶ health URL answers
 *   ─▶ external target (mapping file) ─▶ … ─▶ stop: external.stop ─▶ kill + remove container
 *
 * --target-opt image, docker (socket/URL; default DOCKER_HOST), cmd (words), env (K=V;K2=V2),
 * volumes (host:container[:ro];…), workdir, health (URL; default api), healthTimeout (s), plus
 * the external target's api, dhcp, tftp, relayPort, mapping. target-kill / pause act on the container.
 */
import { z } from 'zod';
import type { Target } from '../target.ts';
import { ERRORS, FleetlabError } from '../../../lab/base/errors.ts';
import { defineTarget, type PluginContext } from '../plugin/define-target.ts';
import { externalOptions, externalTarget } from '../external/external-target.ts';
import { CONTAINER_LABEL, dockerClient, startContainer, type RunningContainer } from './container-engine.ts';

const list = (sep: string) => z.string().transform((v) => v.split(sep).map((x) => x.trim()).filter(Boolean));

const containerOptions = externalOptions.extend({
  image: z.string().min(1).describe('image reference (local, else pulled)'),
  docker: z.string().optional().describe('Docker API endpoint: unix:///path or tcp://host:port (default DOCKER_HOST)'),
  cmd: list(' ').optional().describe('command and arguments, space-separated'),
  env: list(';').default([]).describe('K=V;K2=V2'),
  volumes: list(';').default([]).describe('host:container[:ro];…'),
  workdir: z.string().optional().describe('working directory in the container'),
  health: z.url().optional().describe('URL that answers (< 500) once the server is ready (default: api)'),
  healthTimeout: z.coerce.number().min(1).default(60).describe('seconds to wait for health'),
});
export type ContainerOptions = z.output<typeof containerOptions>;

export function containerTarget(ctx: PluginContext<ContainerOptions>): Target {
  const o = ctx.options;
  const inner = externalTarget(ctx);
  let container: RunningContainer | null = null;
  const log = (level: 'info' | 'warn' | 'error', msg: string) => ctx.events.emit({ kind: 'log', level, msg, ...(level === 'info' ? {} : { code: ERRORS.TARGET.code }) });

  const waitHealthy = async (c: RunningContainer) => {
    const url = o.health ?? o.api;
    const deadline = Date.now() + o.healthTimeout * 1000;
    let exitCode: number | null = null;
    void c.exited.then((code) => (exitCode = code));
    for (;;) {
      if (exitCode !== null) throw new FleetlabError('TARGET_START', `container ${o.image} exited (${exitCode}) before ${url} answered`);
      const r = await fetch(url, { signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(2000)]) }).catch(() => null);
      await r?.body?.cancel();
      if (r && r.status < 500) return;
      if (Date.now() > deadline) throw new FleetlabError('TARGET_START', `container ${o.image}: ${url} did not answer within ${o.healthTimeout} s`);
      ctx.signal.throwIfAborted();
      await new Promise((res) => setTimeout(res, 250));
    }
  };
  const removeContainer = async () => {
    const c = container;
    container = null;
    await c?.remove();
  };

  return {
    ...inner,
    name: 'container',
    async start() {
      container = await startContainer(
        dockerClient(o.docker),
        { image: o.image, ...(o.cmd ? { cmd: o.cmd } : {}), env: o.env, binds: o.volumes, ...(o.workdir ? { workdir: o.workdir } : {}), labels: { [CONTAINER_LABEL]: ctx.runDir, 'fleetlab.target': 'container' } },
        (stream, line) => log(stream === 'stderr' ? 'warn' : 'info', `container: ${line}`),
      );
      log('info', `container ${container.id.slice(0, 12)} from ${o.image} (image ${container.imageId}${container.repoDigests.length ? `, ${container.repoDigests.join(' ')}` : ''})`);
      try {
        await waitHealthy(container);
        await inner.start?.();
      } catch (e) {
        await removeContainer();
        throw e;
      }
    },
    async stop() {
      try {
        await inner.stop?.();
      } finally {
        await removeContainer();
      }
    },
    kill: async () => container?.kill(),
    pause: async () => container?.pause(),
    resume: async () => container?.resume(),
  };
}

export const container = defineTarget({
  name: 'container',
  summary: 'a server from a container image (Docker API / podman), host network, removed on every exit; driven by a mapping file',
  options: containerOptions,
  create: containerTarget,
});
