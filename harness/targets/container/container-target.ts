/**
 * Target `container`: fleetlab starts the server from a container image (Docker API: Docker
 * Engine or `podman system service`), on the host network so it binds the addresses the lab's
 * relays reach, and removes it on every exit path (stop, failed start, SIGINT/SIGTERM through the
 * run's teardown; `fleetlab lab gc` after a kill -9). What runs in it (container-options.ts):
 *
 *   image ─▶ inspect (local, else pull) ─▶ server kind (option | mapping options | image label)
 *     mapping ─▶ ./container-mapping.ts: container, health, then driven like an `external` server
 *     kea     ─▶ ./container-kea.ts: Kea from the image, configured like `--target kea`
 *   ─▶ target.version event (image id, digest, labels) ─▶ … ─▶ stop: container removed
 *
 * target-kill / pause act on the container.
 */
import type { Target } from '../target.ts';
import { FleetlabError } from '../../../lab/base/errors.ts';
import { defineTarget, type PluginContext } from '../plugin/define-target.ts';
import { dockerClient, resolveImage } from './container-engine.ts';
import { containerOptions, serverKind, SERVER_KINDS, SERVER_LABEL, type ContainerOptions } from './container-options.ts';
import { mappingInContainer } from './container-mapping.ts';
import { keaInContainer } from './container-kea.ts';

export type { ContainerOptions } from './container-options.ts';

export function containerTarget(ctx: PluginContext<ContainerOptions>): Target {
  const o = ctx.options;
  let impl: Target | null = null;
  const use = () => {
    if (!impl) throw new FleetlabError('TARGET', 'container target used before start()');
    return impl;
  };
  return {
    name: 'container',
    async start() {
      const docker = dockerClient(o.docker);
      const image = await resolveImage(docker, o.image);
      const kind = serverKind(o, image.Config.Labels ?? {});
      if (!kind) throw new FleetlabError('PARAM_INVALID', `--target-opt image=${o.image}: the image has no ${SERVER_LABEL} label (${SERVER_KINDS.join(' | ')}); say --target-opt server=… or give the mapping options (api, dhcp, tftp, mapping)`);
      impl = kind === 'kea' ? keaInContainer(ctx, docker, image) : mappingInContainer(ctx, docker, image);
      await impl.start?.();
    },
    endpoints: () => use().endpoints(),
    enroll: (nodes) => use().enroll(nodes),
    provision: (node, image) => use().provision(node, image),
    deprovision: (node) => use().deprovision(node),
    state: (node) => use().state(node),
    watch: (cb) => use().watch(cb),
    image: (name, bytes) => use().image(name, bytes),
    agent: (node) => use().agent(node),
    stop: async () => impl?.stop?.(),
    kill: async () => impl?.kill?.(),
    pause: async () => impl?.pause?.(),
    resume: async () => impl?.resume?.(),
  };
}

export const container = defineTarget({
  name: 'container',
  summary: 'a server from a container image (Docker API / podman), host network, removed on every exit; Kea (server=kea) or a REST server driven by a mapping file',
  options: containerOptions,
  create: containerTarget,
});
