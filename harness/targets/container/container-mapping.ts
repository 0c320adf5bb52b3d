/**
 * The container target's `mapping` server kind: a REST provisioning server from an image, ready
 * when its log shows `healthLog` and/or its health URL answers, then driven exactly like an
 * `external` server (mapping file; api, dhcp, tftp options).
 *
 *   create + start (labels) ─▶ logs → event log ─▶ healthLog line? ─▶ health URL < 500
 *   ─▶ external target start ─▶ … ─▶ stop: external.stop ─▶ kill + remove container
 *   exits before healthy / health deadline ─▶ remove ─▶ TARGET_START (exit 1)
 */
import type Docker from 'dockerode';
import type { Target } from '../target.ts';
import { ERRORS, FleetlabError } from '../../../lab/base/errors.ts';
import type { PluginContext } from '../plugin/define-target.ts';
import { externalTarget, type ExternalOptions } from '../external/external-target.ts';
import { startContainer, type RunningContainer } from './container-engine.ts';
import type { ContainerOptions } from './container-options.ts';
import { containerLabels, imageVersion } from './container-labels.ts';

type Log = (level: 'info' | 'warn' | 'error', msg: string) => void;

/** Resolves once the container is healthy; throws when it exits first or the deadline passes. */
async function waitHealthy(ctx: PluginContext<ContainerOptions>, c: RunningContainer, logSeen: () => boolean): Promise<void> {
  const o = ctx.options;
  const url = o.health ?? o.api!;
  const deadline = Date.now() + o.healthTimeout * 1000;
  let exitCode: number | null = null;
  void c.exited.then((code) => (exitCode = code));
  const what = [o.healthLog ? `log line /${o.healthLog}/` : '', url].filter(Boolean).join(' and ');
  for (;;) {
    if (exitCode !== null) throw new FleetlabError('TARGET_START', `container ${o.image} exited (${exitCode}) before ${what} answered`);
    if (logSeen()) {
      const r = await fetch(url, { signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(2000)]) }).catch(() => null);
      await r?.body?.cancel();
      if (r && r.status < 500) return;
    }
    if (Date.now() > deadline) throw new FleetlabError('TARGET_START', `container ${o.image}: health check failed: no ${what} within ${o.healthTimeout} s`);
    ctx.signal.throwIfAborted();
    await new Promise((res) => setTimeout(res, 250));
  }
}

export function mappingInContainer(ctx: PluginContext<ContainerOptions>, docker: Docker, image: Docker.ImageInspectInfo): Target {
  const o = ctx.options;
  const inner = externalTarget(ctx as unknown as PluginContext<ExternalOptions>);
  let container: RunningContainer | null = null;
  const log: Log = (level, msg) => ctx.events.emit({ kind: 'log', level, msg, ...(level === 'info' ? {} : { code: ERRORS.TARGET.code }) });
  const ready = o.healthLog ? new RegExp(o.healthLog) : null;
  let logSeen = !ready;
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
        docker,
        { image: o.image, ...(o.cmd ? { cmd: o.cmd } : {}), env: o.env, binds: o.volumes, ...(o.workdir ? { workdir: o.workdir } : {}), labels: containerLabels(ctx) },
        (stream, line) => {
          if (ready?.test(line)) logSeen = true;
          log(stream === 'stderr' ? 'warn' : 'info', `container: ${line}`);
        },
        image,
      );
      log('info', `container ${container.id.slice(0, 12)} from ${o.image} (image ${container.imageId}${container.repoDigests.length ? `, ${container.repoDigests.join(' ')}` : ''})`);
      ctx.events.emit({ kind: 'target.version', target: 'container', version: imageVersion(o.image, image) });
      try {
        await waitHealthy(ctx, container, () => logSeen);
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
