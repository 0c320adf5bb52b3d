/**
 * The ironic-python-agent (IPA) persona: what a simulated node runs after booting Ironic's deploy
 * ramdisk, speaking the same REST protocol as the real agent.
 *
 *   lookup  GET  <ipa-api-url>/v1/lookup?addresses=<macs>   → node uuid, agent_token, heartbeat_timeout
 *   beat    POST <ipa-api-url>/v1/heartbeat/<uuid>          every 0.4 × heartbeat_timeout, and right
 *                                                           after an async command finishes
 *   serve   Ironic → <callback_url>/v1/commands/ (shared IpaAgentServer, uuid in the path):
 *           deploy.get_deploy_steps → deploy.execute_deploy_step (async: download image_info.urls[0]
 *           through the site link, verify the checksum, write the disk) → standby.get_partition_uuids
 *           → image.install_bootloader → standby.power_off (switches the node off via its machine)
 *
 * Protocol facts kept (shared/notes/ironic.md, ironic agent_client/agent_base): command history
 * names are the part after the dot (`execute_deploy_step`); the conductor only accepts a step when
 * the LAST command is that step with `command_result.deploy_step` equal to it; 409 "Agent is busy"
 * while an async command runs; the token from lookup must accompany every command; the history
 * is empty after every boot (it lives in this run() only).
 *
 * The parts: ipa-lookup.ts, ipa-agent-api.ts (routes + command table), ipa-write-image.ts (the
 * deploy step), ipa-heartbeat.ts; this file wires them for one boot.
 * Protocol intervals (lookup retry, heartbeats) are real time — Ironic is a real process — while
 * hardware durations (disk write) come from the node's profile through ctx.
 */
import { ERRORS } from '../../../base/errors.ts';
import type { AgentContext, AgentOutcome, AgentPersona } from '../agent-persona.ts';
import { IpaAgentApi } from './ipa-agent-api.ts';
import type { IpaAgentServer } from './ipa-agent-server.ts';
import { ipaStep } from './ipa-command.ts';
import { IpaHeartbeat } from './ipa-heartbeat.ts';
import { ipaLookup } from './ipa-lookup.ts';

export interface IpaPersonaOptions {
  server: IpaAgentServer;
  /** Ironic API; default: the `ipa-api-url` kernel argument Ironic's iPXE script passes. */
  apiUrl?: string;
  /** Give up looking the node up after this long, ms (IPA's lookup_timeout is 300 s). */
  lookupTimeoutMs?: number;
  lookupIntervalMs?: number;
  /** Heartbeat period as a share of Ironic's heartbeat_timeout (IPA jitters between 0.3 and 0.6). */
  heartbeatShare?: number;
  /** X-OpenStack-Ironic-API-Version for lookup/heartbeat (1.68 = agent_token + agent_verify_ca era). */
  apiVersion?: string;
  agentVersion?: string;
  /** Real-time wait (protocol intervals); injectable for tests. */
  wait?: (ms: number, signal: AbortSignal) => Promise<void>;
}

function realWait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export function ipaPersona(opts: IpaPersonaOptions): AgentPersona {
  return { name: 'ipa', run: (ctx) => runAgent(ctx, opts) };
}

/** One boot of the agent: lookup ─▶ serve the agent API + heartbeat until power_off/reboot or power loss. */
async function runAgent(ctx: AgentContext, o: IpaPersonaOptions): Promise<AgentOutcome> {
  const wait = o.wait ?? realWait;
  const headers = { 'X-OpenStack-Ironic-API-Version': o.apiVersion ?? '1.68', 'content-type': 'application/json' };
  const agentVersion = o.agentVersion ?? '9.4.0';
  const node = ctx.node.name;
  const fail = (message: string): AgentOutcome => ({ kind: 'failed', code: ERRORS.AGENT.code, message });

  const api = (o.apiUrl ?? ctx.args['ipa-api-url'] ?? '').replace(/\/+$/, '');
  if (!api) return fail(`${node}: no Ironic API URL (kernel argument ipa-api-url missing from '${ctx.cmdline}')`);
  // The sim node has already marked phase 'agent' and emitted agent.start for this persona.

  // Local abort: the node's power signal, or our own end (power_off/reboot command).
  const stop = new AbortController();
  const onNodeAbort = () => stop.abort();
  ctx.signal.addEventListener('abort', onNodeAbort, { once: true });
  const signal = stop.signal;
  try {
    const found = await ipaLookup(ctx, { api, headers, timeoutMs: o.lookupTimeoutMs ?? 300_000, intervalMs: o.lookupIntervalMs ?? 1000, wait }, signal);
    if (typeof found === 'string') return fail(found);
    const { uuid, token } = found;
    ipaStep(ctx, 'lookup', uuid);

    // Set by power_off/reboot: the run ends with this once the heartbeat loop stops.
    let ending: Promise<AgentOutcome> | null = null;
    const agentApi = new IpaAgentApi(ctx, uuid, token, agentVersion, (out) => {
      ending = out;
      stop.abort();
    });
    const periodMs = Math.max(200, found.heartbeatTimeoutS * 1000 * (o.heartbeatShare ?? 0.4));
    const heartbeat = new IpaHeartbeat(ctx, { api, uuid, token, callbackUrl: o.server.callbackUrl(uuid), agentVersion, headers, periodMs, wait });
    agentApi.onCommandDone = () => heartbeat.kick();
    const unregister = o.server.register(uuid, (req) => agentApi.handle(req));
    try {
      await heartbeat.run(signal);
    } finally {
      unregister();
    }
    const end = ending as Promise<AgentOutcome> | null;
    return end ? await end : fail(`${node}: agent stopped (node lost power or run ended)`);
  } finally {
    ctx.signal.removeEventListener('abort', onNodeAbort);
  }
}
