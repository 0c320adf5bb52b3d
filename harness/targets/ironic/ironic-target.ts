/**
 * Target `ironic`: OpenStack Ironic standalone (Debian python3-ironic), started by fleetlab or an
 * existing one (`--target-opt url=http://…`), nodes enrolled with the redfish or ipmi driver
 * pointing at fleetlab's BMC emulators, ipxe boot + direct deploy, sim nodes running the
 * ironic-python-agent persona.
 *
 *   start: ironic-stack.ts (boot services ─▶ Ironic ─▶ agent API server ─▶ state polling)
 *          ─▶ target.state events (Ironic's native names, ironic-state-feed.ts)
 *   enroll:    POST nodes + ports ─▶ manage ─▶ manageable ─▶ provide ─▶ available (ironic-enroll.ts)
 *   provision: PATCH instance_info (image_source, sha256) ─▶ active ─▶ deploying ─▶ wait call-back ─▶ active
 *   deprovision: deleted ─▶ deleting ─▶ (cleaning) ─▶ available
 *
 * Failures reach the run as node failures: a node Ironic puts in a failed state (with its
 * last_error), and every node mid-transition when a fleetlab-started Ironic dies
 * (ironic-supervisor.ts, which also gives the target-kill fault its hooks).
 *
 * --target-opt: see ironic-options.ts.
 */
import type { BootEndpoints, ImageRef, Target, TargetContext, TargetNode, TargetState } from '../target.ts';
import { FleetlabError } from '../../../lab/base/errors.ts';
import type { IronicClient } from './ironic-client.ts';
import { ironicPhase } from './ironic-states.ts';
import { parseIronicOptions } from './ironic-options.ts';
import { IronicStateFeed } from './ironic-state-feed.ts';
import { IronicSupervisor } from './ironic-supervisor.ts';
import { emptyIronicStack, startIronicStack, stopIronicStack } from './ironic-stack.ts';
import { enrollIronicNodes } from './ironic-enroll.ts';
import { emitVersion, fetchJson } from '../common/server-version.ts';

export function ironicTarget(ctx: TargetContext): Target {
  const o = parseIronicOptions(ctx.options);
  const feed = new IronicStateFeed(ctx.events);
  const supervisor = new IronicSupervisor({ events: ctx.events, feed, conf: { heartbeatTimeoutS: o.heartbeatTimeoutS, deployCallbackTimeoutS: o.deployTimeoutS, debug: o.debug } });
  const stack = emptyIronicStack();
  const api = (): IronicClient => started(stack.client);

  return {
    name: 'ironic',
    async start() {
      await startIronicStack(stack, { ctx, options: o, feed, supervisor });
      // The API root names the microversions this Ironic speaks (GET / needs no auth).
      const root = (await fetchJson(`${api().url}/`, ctx.signal)) as { default_version?: { version?: string; min_version?: string } } | undefined;
      emitVersion(ctx.events, 'ironic', { ironicApi: root?.default_version?.version, ironicApiMin: root?.default_version?.min_version, url: o.url });
    },
    endpoints(): BootEndpoints {
      const boot = started(stack.boot);
      return { dhcp: boot.dhcp, relayPort: 0, tftp: boot.tftp };
    },
    async enroll(nodes) {
      for (const n of nodes) feed.enrolled(n.uuid, n.name);
      await enrollIronicNodes(api(), nodes, {
        options: o,
        deploy: { kernel: stack.deployKernel.url, ramdisk: stack.deployRamdisk.url },
        wait: { pollMs: o.pollMs, signal: ctx.signal, runDir: ctx.runDir },
      });
    },
    async provision(node: TargetNode, image: ImageRef) {
      const c = api();
      // Undeploy wipes instance_info: set the image every time.
      await c.patchNode(node.uuid, {
        '/instance_info/image_source': image.url,
        '/instance_info/image_os_hash_algo': 'sha256',
        '/instance_info/image_os_hash_value': image.sha256,
      });
      await c.setProvisionState(node.uuid, 'active');
    },
    async deprovision(node: TargetNode) {
      await api().setProvisionState(node.uuid, 'deleted');
    },
    async state(node: TargetNode): Promise<TargetState> {
      const n = await api().getNode(node.uuid, ['uuid', 'name', 'provision_state', 'last_error']);
      return { native: n.provision_state, phase: ironicPhase(n.provision_state), ...(n.last_error ? { lastError: n.last_error } : {}) };
    },
    watch: (cb) => feed.watch(cb),
    image(name: string, bytes: number): ImageRef {
      const a = started(stack.boot).image(name, bytes);
      return { name, url: a.url, sha256: a.sha256, bytes: a.bytes };
    },
    agent: () => started(stack.persona),
    stop: () => stopIronicStack(stack, supervisor),
    // Fault hooks only for an Ironic fleetlab started (target-kill fault).
    ...(o.url
      ? {}
      : {
          kill: () => supervisor.kill(),
          restart: () => supervisor.restart(),
          pause: async () => supervisor.pause(),
          resume: async () => supervisor.resume(),
        }),
  };
}

/** A part of the stack, or the error for a target used before start() (or after stop()). */
function started<T>(part: T | null): T {
  if (!part) throw new FleetlabError('TARGET', 'ironic target used before start()');
  return part;
}
