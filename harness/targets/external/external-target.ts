/**
 * Target `external`: a provisioning server fleetlab did not start and must not stop. The lab
 * relays boot traffic to the server's DHCP/TFTP, and fleetlab drives it only through its REST
 * API, as a mapping file says (../mapping/mapping-file.ts). fleetlab serves the OS images itself
 * (the server is told their URL and sha256) and polls node states for target.state events.
 *
 *   --target external --target-opt api=URL,dhcp=HOST:PORT,tftp=HOST:PORT,mapping=FILE
 *   sim firmware ─relay─▶ server DHCP/TFTP/HTTP (theirs) ─▶ generic installer ─▶ callback (theirs)
 *   fleetlab ─mapping: enroll/provision─▶ server API ◀─poll state (JSONPath → phase)─ fleetlab
 *
 * stop() closes only what fleetlab opened (image server, poller, the ipa persona's agent API);
 * kill/pause faults do not apply.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import type { BootEndpoints, Target, TargetNode, TargetState } from '../target.ts';
import { ERRORS, FleetlabError } from '../../../lab/base/errors.ts';
import { genericInstaller } from '../../../lab/nodes/sim/personas/generic-installer.ts';
import { defineTarget, type PluginContext } from '../plugin/define-target.ts';
import { readMapping, type Mapping } from '../mapping/mapping-file.ts';
import { mappingClient, type MappingClient } from '../mapping/mapping-client.ts';
import { startImageServer, type ImageServer } from '../common/image-server.ts';
import { pool } from '../reference/reference-api.ts';
import { emitVersion } from '../common/server-version.ts';
import { httpCallbackPersona } from '../personas/http-callback-persona.ts';
import { answerFilePersona } from '../personas/answer-file-persona.ts';
import { ipaPersona } from '../../../lab/nodes/sim/personas/ipa-persona.ts';
import { startIpaAgentServer, type IpaAgentServer } from '../../../lab/nodes/sim/personas/ipa-agent-server.ts';
import type { AgentPersona } from '../../../lab/nodes/sim/agent-persona.ts';

const hostPort = z.string().transform((v, ctx) => {
  const m = /^(.+):(\d{1,5})$/.exec(v);
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535) {
    ctx.addIssue({ code: 'custom', message: 'expected HOST:PORT' });
    return z.NEVER;
  }
  return { host: m[1]!, port };
});

/** Read while options are validated, so a bad mapping file stops the run before anything starts. */
function loadMapping(file: string): Mapping {
  const path = resolve(file);
  const r = readMapping(path);
  if (r.problems) throw new FleetlabError('MAPPING_INVALID', `--target-opt mapping=${file}: ${r.problems.length} problem(s):\n${r.problems.map((p) => `  ${path}: ${p.path}: ${p.message}`).join('\n')}`, { problems: r.problems });
  return r.mapping;
}

export const externalOptions = z.strictObject({
  api: z.url().describe("the server's API base URL ({{api}} in the mapping file)"),
  dhcp: hostPort.describe('DHCP server the site relays forward to, HOST:PORT'),
  tftp: hostPort.describe('TFTP server (sim firmware honours the port), HOST:PORT'),
  relayPort: z.coerce.number().int().min(0).max(65535).default(0).describe('port relays get replies on: 0 = ephemeral + RFC 8357, 67 for servers that answer relays on 67'),
  mapping: z.string().min(1).transform(loadMapping).describe('mapping file (JSON): enroll/provision/state HTTP templates, JSONPath, native→phase'),
  bmc: z.enum(['redfish', 'ipmi']).optional().describe('scenario hint, ignored (the mapping file picks the BMC variables it sends)'),
});
export type ExternalOptions = z.output<typeof externalOptions>;

const TERMINAL = new Set(['active', 'failed']);

/**
 * The nodes whose state is polled (enrolled or mid-deploy): each change of native state becomes a
 * target.state event and reaches every watcher; polling stops for a node at a terminal phase.
 */
function stateTracker(ctx: PluginContext<ExternalOptions>, api: MappingClient) {
  const watchers = new Set<(node: string, s: TargetState) => void>();
  /** Each polled node with the last native state seen. */
  const tracked = new Map<string, { node: TargetNode; native: string | null }>();
  const warned = new Set<string>();

  const publish = (name: string, s: TargetState) => {
    ctx.events.emit({ kind: 'target.state', node: name, native: s.native, phase: s.phase });
    for (const w of watchers) w(name, s);
  };
  const pollOnce = async () => {
    await pool([...tracked.values()], 16, async (t) => {
      try {
        const s = await api.state(t.node);
        if (s.native === t.native) return;
        t.native = s.native;
        publish(t.node.name, s);
        if (TERMINAL.has(s.phase)) tracked.delete(t.node.name);
      } catch (e) {
        // One warning per node: a server that stops answering must not flood the log.
        if (ctx.signal.aborted || warned.has(t.node.name)) return;
        warned.add(t.node.name);
        ctx.events.emit({ kind: 'log', level: 'warn', code: ERRORS.TARGET.code, msg: (e as Error).message });
      }
    });
  };
  const track = (node: TargetNode) => tracked.set(node.name, { node, native: tracked.get(node.name)?.native ?? null });
  return { watchers, pollOnce, track };
}

export function externalTarget(ctx: PluginContext<ExternalOptions>): Target {
  const o = ctx.options;
  const label = `external (${ctx.rawOptions.mapping})`;
  const api = mappingClient(o.mapping, o.api.replace(/\/+$/, ''), label, ctx.signal);
  let images: ImageServer | null = null;
  let timer: NodeJS.Timeout | null = null;
  let polling: Promise<void> | null = null;
  const p = o.mapping.persona;
  // ipa: the agent's command API (which the server calls) is a server fleetlab runs for the sim nodes.
  let agents: IpaAgentServer | null = null;
  let persona: AgentPersona = p?.kind === 'http-callback' ? httpCallbackPersona(p) : p?.kind === 'answer-file' ? answerFilePersona : genericInstaller;
  const { watchers, pollOnce, track } = stateTracker(ctx, api);

  return {
    name: 'external',
    async start() {
      // Reachability only (any HTTP answer will do): fleetlab never manages this server.
      const reply = await fetch(o.api, { signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(10_000)]) }).catch((e: unknown) => e as Error);
      if (reply instanceof Error) throw new FleetlabError('TARGET_START', `${label}: api ${o.api} is not reachable: ${reply.message}${(reply.cause as { code?: string } | undefined)?.code ? ` (${(reply.cause as { code: string }).code})` : ''}`);
      await reply.body?.cancel();
      // Only with the mapping's `version`: a container target wrapping this one records the image's.
      if (o.mapping.version) emitVersion(ctx.events, 'external', { ...(await api.version()), api: o.api });
      images = await startImageServer();
      if (p?.kind === 'ipa') {
        agents = await startIpaAgentServer();
        persona = ipaPersona({ server: agents });
      }
      timer = setInterval(() => {
        polling ??= pollOnce().finally(() => (polling = null));
      }, o.mapping.pollMs);
    },
    endpoints(): BootEndpoints {
      return { dhcp: o.dhcp, relayPort: o.relayPort, tftp: o.tftp };
    },
    async enroll(nodes) {
      await pool(nodes, o.mapping.enrollConcurrency, async (n) => {
        await api.enroll(n);
        track(n);
      });
    },
    async provision(node, image) {
      await api.provision(node, image);
      track(node);
    },
    async deprovision(node) {
      await api.deprovision(node);
      track(node);
    },
    state: (node) => api.state(node),
    watch(cb) {
      watchers.add(cb);
      return () => watchers.delete(cb);
    },
    image(name, bytes) {
      if (!images) throw new FleetlabError('TARGET', `${label}: image() before start()`);
      return images.image(name, bytes);
    },
    agent: () => persona,
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await polling;
      await images?.close();
      await agents?.close();
      images = null;
      agents = null;
    },
  };
}

export const external = defineTarget({
  name: 'external',
  summary: 'a server fleetlab did not start and never stops, driven through its REST API by a mapping file',
  options: externalOptions,
  create: externalTarget,
});
