/**
 * Everything the `ironic` target runs, started in order and stopped in reverse. Each part is kept
 * as soon as it runs, so a start that fails half-way still has the started parts stopped by the
 * target's stop() (the run's teardown).
 *
 *   start: boot services (DHCP/TFTP/HTTP, deploy kernel + ramdisk) ─▶ Ironic (started, or `url`)
 *          ─▶ GET /v1 ─▶ IPA agent API server + persona ─▶ poll provision_state every pollMs
 *   stop:  polling ─▶ Ironic ─▶ agent server ─▶ boot services
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TargetContext } from '../target.ts';
import { startIpaAgentServer, type IpaAgentServer } from '../../../lab/nodes/sim/personas/ipa-agent-server.ts';
import { ipaPersona } from '../../../lab/nodes/sim/personas/ipa-persona.ts';
import type { AgentPersona } from '../../../lab/nodes/sim/agent-persona.ts';
import { IronicClient } from './ironic-client.ts';
import { startIronicBootServices, type IronicBootServices } from './ironic-boot-services.ts';
import type { IronicOptions } from './ironic-options.ts';
import type { IronicStateFeed } from './ironic-state-feed.ts';
import type { IronicSupervisor } from './ironic-supervisor.ts';

export interface IronicStack {
  boot: IronicBootServices | null;
  client: IronicClient | null;
  agents: IpaAgentServer | null;
  persona: AgentPersona | null;
  stopPolling: (() => void) | null;
  /** URLs (and sha256) of the generated deploy kernel and ramdisk. */
  deployKernel: { url: string; sha256: string };
  deployRamdisk: { url: string; sha256: string };
}

export interface IronicStackDeps {
  ctx: TargetContext;
  options: IronicOptions;
  feed: IronicStateFeed;
  /** The fleetlab-started Ironic; unused when `options.url` names an existing one. */
  supervisor: IronicSupervisor;
}

export function emptyIronicStack(): IronicStack {
  return { boot: null, client: null, agents: null, persona: null, stopPolling: null, deployKernel: { url: '', sha256: '' }, deployRamdisk: { url: '', sha256: '' } };
}

export async function startIronicStack(s: IronicStack, d: IronicStackDeps): Promise<void> {
  const { ctx, options: o } = d;
  const subnets = ctx.lab.sites.map((x) => ({ name: x.name, subnet: x.subnet, relay: x.relay, poolStart: x.poolStart, poolEnd: x.poolEnd }));
  const dir = join(ctx.runDir, 'ironic');
  await mkdir(dir, { recursive: true });
  const boot = await startIronicBootServices({ subnets, httpRoot: join(dir, 'http'), ...(o.bootUrl ? { ipxeScriptUrl: o.bootUrl } : {}) });
  s.boot = boot;
  Object.assign(s.deployKernel, boot.artifact('ipa.kernel', o.kernelBytes));
  Object.assign(s.deployRamdisk, boot.artifact('ipa.initramfs', o.ramdiskBytes));
  if (o.url) {
    s.client = new IronicClient({ url: o.url });
  } else {
    await d.supervisor.launch(dir, 0, boot.httpRootUrl);
    s.client = new IronicClient({ url: d.supervisor.url });
  }
  const client = s.client;
  await client.request('GET', '/v1');
  s.agents = await startIpaAgentServer();
  s.persona = ipaPersona({ server: s.agents });
  s.stopPolling = client.pollStates((c) => d.feed.publish(d.feed.nameOf(c.uuid, c.name), { provision_state: c.native, last_error: c.lastError }), { intervalMs: o.pollMs });
}

export async function stopIronicStack(s: IronicStack, supervisor: IronicSupervisor): Promise<void> {
  s.stopPolling?.();
  s.stopPolling = null;
  await supervisor.stop();
  await s.agents?.close();
  await s.boot?.close();
  s.agents = null;
  s.boot = null;
}
