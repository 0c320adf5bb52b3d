/**
 * The container target's `kea` server kind: Kea DHCPv4 from an image (e.g. fixtures/images/
 * kea-image.ts), configured by fleetlab exactly as `--target kea` configures the host's Kea: the
 * DHCP-daemon target with its daemon launched in the container (./container-daemon.ts).
 *
 *   <run>/kea/kea-dhcp4.conf ─bind─▶ container (host network, kea-dhcp4 -c …) ─▶ DHCP4_STARTED
 *   reference HTTP side (host) ◀─ relays ─▶ kea in the container ─▶ stop: SIGTERM ─▶ remove
 *
 * target-kill = SIGKILL to Kea (the container exits), pause/resume = container pause (freezer).
 */
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { Target } from '../target.ts';
import type { PluginContext } from '../plugin/define-target.ts';
import { dhcpDaemonTarget } from '../dhcp-daemon/dhcp-daemon-target.ts';
import { containerLauncher } from './container-daemon.ts';
import type { RunningContainer } from './container-engine.ts';
import { DHCP_DAEMON_KEYS, type ContainerOptions } from './container-options.ts';
import { containerLabels, imageVersion } from './container-labels.ts';

export function keaInContainer(ctx: PluginContext<ContainerOptions>, docker: Docker, image: Docker.ImageInspectInfo): Target {
  const o = ctx.options;
  let container: RunningContainer | null = null;
  const launch = containerLauncher({
    docker,
    image,
    ref: o.image,
    labels: containerLabels(ctx),
    dirs: [join(ctx.runDir, 'kea')],
    onLine: (line) => ctx.events.emit({ kind: 'log', level: 'info', msg: `container: ${line}` }),
    onStarted: (c) => {
      container = c;
      ctx.events.emit({ kind: 'log', level: 'info', msg: `container ${c.id.slice(0, 12)} from ${o.image} (image ${c.imageId}) runs kea-dhcp4` });
      ctx.events.emit({ kind: 'target.version', target: 'container', version: imageVersion(o.image, image) });
    },
  });
  // The DHCP-daemon target checks its own option names: hand it only those.
  const options = Object.fromEntries(DHCP_DAEMON_KEYS.filter((k) => ctx.rawOptions[k] !== undefined).map((k) => [k, ctx.rawOptions[k]!]));
  const kea = dhcpDaemonTarget({ lab: ctx.lab, options, runDir: ctx.runDir, events: ctx.events, signal: ctx.signal }, 'kea', launch);
  return {
    ...kea,
    name: 'container',
    pause: async () => container?.pause(),
    resume: async () => container?.resume(),
  };
}
