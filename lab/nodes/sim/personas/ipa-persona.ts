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
 * Protocol facts kept (ARCHITECTURE.md "Targets"; ironic agent_client/agent_base): command history
 * names are the part after the dot (`execute_deploy_step`); the conductor only accepts a step when
 * the LAST command is that step with `command_result.deploy_step` equal to it; 409 "Agent is busy"
 * while an async command runs; the token from lookup must accompany every command; the history
 * is empty after every boot (it lives in this run() only).
 * Protocol intervals (lookup retry, heartbeats) are real time — Ironic is a real process — while
 * hardware durations (disk write) come from the node's profile through ctx.
 */
import type { AgentContext, AgentOutcome, AgentPersona } from '../agent-persona.ts';
import { ipaFault, type IpaAgentServer, type IpaReply, type IpaRequest } from './ipa-agent-server.ts';
import { ERRORS } from '../../../base/errors.ts';

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

type CommandStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';
interface CommandError {
  type: string;
  code: number;
  message: string;
  details: string;
}
interface CommandResult {
  id: string;
  command_name: string;
  command_params: Record<string, unknown>;
  command_status: CommandStatus;
  command_error: CommandError | null;
  command_result: unknown;
}

const HASH_BY_LENGTH: Record<number, 'md5' | 'sha256' | 'sha512'> = { 32: 'md5', 64: 'sha256', 128: 'sha512' };

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

function cmdError(type: string, message: string): CommandError {
  return { type, code: 500, message, details: message };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function ipaPersona(opts: IpaPersonaOptions): AgentPersona {
  return { name: 'ipa', run: (ctx) => runAgent(ctx, opts) };
}

async function runAgent(ctx: AgentContext, o: IpaPersonaOptions): Promise<AgentOutcome> {
  const wait = o.wait ?? realWait;
  const apiVersion = o.apiVersion ?? '1.68';
  const headers = { 'X-OpenStack-Ironic-API-Version': apiVersion, 'content-type': 'application/json' };
  const node = ctx.node.name;
  const step = (s: string, detail?: string) => ctx.emit({ kind: 'agent.step', node, persona: 'ipa', step: s, ...(detail ? { detail } : {}) });
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
    // ── lookup ──────────────────────────────────────────────────────────────────────────────
    const lookupUrl = `${api}/v1/lookup?addresses=${encodeURIComponent(ctx.node.macs.join(','))}`;
    const deadline = performance.now() + (o.lookupTimeoutMs ?? 300_000);
    let uuid = '';
    let token = '';
    let hbTimeoutS = 300;
    let lastLookup = '';
    for (;;) {
      if (signal.aborted) return fail(`${node}: aborted during lookup`);
      try {
        const r = await ctx.http('GET', lookupUrl, undefined, headers);
        if (r.status === 200) {
          const j = JSON.parse(r.body.toString('utf8')) as { node?: { uuid?: string }; config?: { agent_token?: string; heartbeat_timeout?: number } };
          uuid = j.node?.uuid ?? '';
          token = j.config?.agent_token ?? '';
          hbTimeoutS = j.config?.heartbeat_timeout ?? 300;
          if (uuid && token) break;
          lastLookup = `200 without node.uuid/config.agent_token`;
        } else lastLookup = `HTTP ${r.status}`; // 404 = not in a lookup state yet, 409 = locked
      } catch (e) {
        lastLookup = (e as Error).message;
      }
      if (performance.now() > deadline) return fail(`${node}: lookup ${lookupUrl} failed until timeout: ${lastLookup}`);
      await wait(o.lookupIntervalMs ?? 1000, signal);
    }
    step('lookup', uuid);

    // ── agent API ───────────────────────────────────────────────────────────────────────────
    const commands: CommandResult[] = [];
    let seq = 0;
    // Set by power_off/reboot: the run ends with this once the loop below stops.
    let ending: Promise<AgentOutcome> | null = null;
    let kickHeartbeat: () => void = () => {};
    const finish = (out: Promise<AgentOutcome>) => {
      ending = out;
      stop.abort();
    };

    const record = (name: string, status: CommandStatus, result: unknown, error: CommandError | null = null): CommandResult => {
      const c: CommandResult = { id: `${uuid}-${++seq}`, command_name: name, command_params: {}, command_status: status, command_error: error, command_result: result };
      commands.push(c);
      return c;
    };

    /** Runs an async command's body; marks the command done and heartbeats at once, as IPA does. */
    const runAsync = (c: CommandResult, body: () => Promise<{ ok: true; result: unknown } | { ok: false; error: CommandError }>): Promise<void> => {
      const p = body()
        .catch((e: Error) => ({ ok: false as const, error: cmdError('CommandExecutionError', e.message) }))
        .then((r) => {
          if (r.ok) {
            c.command_status = 'SUCCEEDED';
            c.command_result = r.result;
          } else {
            c.command_status = 'FAILED';
            c.command_error = r.error;
          }
          kickHeartbeat();
        });
      return p;
    };

    const writeImage = async (stepObj: Record<string, unknown>) => {
      const args = isRecord(stepObj.args) ? stepObj.args : {};
      const info = isRecord(args.image_info) ? args.image_info : {};
      const urls = Array.isArray(info.urls) ? info.urls : [];
      const url = typeof urls[0] === 'string' ? urls[0] : '';
      if (!url) return { ok: false as const, error: cmdError('InvalidCommandParamsError', 'image_info.urls[0] missing') };
      let expected: { algo: 'sha256' | 'sha512' | 'md5'; digest: string } | null = null;
      const algo = typeof info.os_hash_algo === 'string' ? info.os_hash_algo : '';
      const value = typeof info.os_hash_value === 'string' ? info.os_hash_value : '';
      const checksum = typeof info.checksum === 'string' ? info.checksum : '';
      if (algo && value) {
        if (algo !== 'sha256' && algo !== 'sha512' && algo !== 'md5')
          return { ok: false as const, error: cmdError('ImageChecksumError', `unsupported os_hash_algo ${algo}`) };
        expected = { algo, digest: value.toLowerCase() };
      } else if (checksum) {
        const a = HASH_BY_LENGTH[checksum.length];
        if (!a) return { ok: false as const, error: cmdError('ImageChecksumError', `image_info.checksum '${checksum.slice(0, 80)}' is not a md5/sha256/sha512 hex digest`) };
        expected = { algo: a, digest: checksum.toLowerCase() };
      }
      ctx.phase('image');
      step('image-download', url);
      const got = await ctx.downloadImage(url, expected);
      if (!got.ok) {
        return {
          ok: false as const,
          error: cmdError('ImageChecksumError', `image ${url}: ${expected?.algo ?? 'checksum'} ${got.digest} does not match expected ${expected?.digest ?? '?'}`),
        };
      }
      const name = typeof info.id === 'string' && info.id ? info.id : url.split('/').pop() || url;
      step('image-write', name);
      try {
        await ctx.writeDisk({ name, url, bytes: got.bytes, digest: got.digest });
      } catch (e) {
        return { ok: false as const, error: cmdError('ImageWriteError', (e as Error).message) };
      }
      return { ok: true as const, result: { deploy_result: {}, deploy_step: stepObj } };
    };

    const execute = async (name: string, params: Record<string, unknown>, waitFor: boolean): Promise<IpaReply> => {
      const [ext, cmd] = name.split('.', 2) as [string, string | undefined];
      if (!cmd) return ipaFault(400, `Invalid command: ${name}`);
      const reply = (c: CommandResult, after?: () => void): IpaReply => ({ status: 200, body: c, ...(after ? { after } : {}) });
      const asyncReply = async (c: CommandResult, done: Promise<void>) => {
        if (waitFor) await done;
        return reply(c);
      };
      switch (name) {
        case 'deploy.get_deploy_steps':
          step('get-deploy-steps');
          return reply(
            record(cmd, 'SUCCEEDED', {
              deploy_steps: { GenericHardwareManager: [{ step: 'write_image', priority: 0, interface: 'deploy', reboot_requested: false, argsinfo: null }] },
              hardware_manager_version: { generic_hardware_manager: '1.1' },
            }),
          );
        case 'deploy.execute_deploy_step': {
          const s = isRecord(params.step) ? params.step : null;
          if (!s) return ipaFault(400, 'deploy.execute_deploy_step: params.step missing');
          const c = record(cmd, 'RUNNING', null);
          step('execute-deploy-step', String(s.step));
          const done = runAsync(c, async () =>
            s.step === 'write_image' && s.interface === 'deploy'
              ? writeImage(s)
              : { ok: false as const, error: cmdError('UnknownDeployStep', `deploy step ${String(s.interface)}.${String(s.step)} is not supported by this agent`) },
          );
          return asyncReply(c, done);
        }
        case 'clean.get_clean_steps':
          return reply(record(cmd, 'SUCCEEDED', { clean_steps: { GenericHardwareManager: [] }, hardware_manager_version: { generic_hardware_manager: '1.1' } }));
        case 'clean.execute_clean_step': {
          const c = record(cmd, 'RUNNING', null);
          const done = runAsync(c, async () => ({ ok: true as const, result: { clean_result: {}, clean_step: params.step ?? null } }));
          return asyncReply(c, done);
        }
        case 'standby.get_partition_uuids':
          return reply(record(cmd, 'SUCCEEDED', {}));
        case 'image.install_bootloader': {
          step('install-bootloader', typeof params.target_boot_mode === 'string' ? params.target_boot_mode : undefined);
          const c = record(cmd, 'RUNNING', null);
          return asyncReply(c, runAsync(c, async () => ({ ok: true as const, result: null })));
        }
        case 'standby.sync':
          return reply(record(cmd, 'SUCCEEDED', null));
        case 'standby.power_off':
        case 'standby.reboot': {
          const off = cmd === 'power_off';
          ctx.phase('callback'); // the deploy is reported done; Ironic now takes the node over
          step(off ? 'power-off' : 'reboot');
          const c = record(cmd, 'SUCCEEDED', null);
          // Answer first, then go down: the real agent's reply also precedes its poweroff.
          return reply(c, () => {
            // Powering off aborts ctx.signal; the outcome is already recorded by then.
            finish(
              off
                ? ctx.powerOff().then(
                    (): AgentOutcome => ({ kind: 'poweroff' }),
                    (e: Error): AgentOutcome => ({ kind: 'failed', code: ERRORS.AGENT.code, message: `${node}: power off failed: ${e.message}` }),
                  )
                : Promise.resolve({ kind: 'reboot' }),
            );
          });
        }
        default:
          return ipaFault(400, `Unknown command: ${ext}.${cmd}`);
      }
    };

    const handle = async (req: IpaRequest): Promise<IpaReply> => {
      const path = req.path.replace(/\/+$/, '');
      if (req.method === 'GET' && (path === '/v1/commands' || path === '')) {
        if (path === '') return { status: 200, body: { name: 'OpenStack Ironic Python Agent API (fleetlab)', versions: [{ id: 'v1' }] } };
        return { status: 200, body: { commands } };
      }
      if (req.method === 'GET' && path.startsWith('/v1/commands/')) {
        const id = path.slice('/v1/commands/'.length);
        const c = commands.find((x) => x.id === id);
        return c ? { status: 200, body: c } : ipaFault(404, `command ${id} not found`);
      }
      if (req.method === 'GET' && path === '/v1/status') return { status: 200, body: { started_at: 0, version: o.agentVersion ?? '9.4.0' } };
      if (req.method === 'POST' && path === '/v1/commands') {
        if (req.query.get('agent_token') !== token) return ipaFault(401, 'Invalid or missing agent token received.');
        const running = commands.find((c) => c.command_status === 'RUNNING');
        if (running) return ipaFault(409, `Agent is busy: executing command ${running.command_name}`);
        if (!isRecord(req.body) || typeof req.body.name !== 'string') return ipaFault(400, 'body: expected {"name": "<ext>.<command>", "params": {...}}');
        const params = isRecord(req.body.params) ? req.body.params : {};
        return execute(req.body.name, params, req.query.get('wait') === 'true');
      }
      return ipaFault(404, `no route ${req.method} ${req.path}`);
    };

    const unregister = o.server.register(uuid, handle);
    try {
      // ── heartbeat loop ────────────────────────────────────────────────────────────────────
      const callbackUrl = o.server.callbackUrl(uuid);
      const periodMs = Math.max(200, hbTimeoutS * 1000 * (o.heartbeatShare ?? 0.4));
      let beats = 0;
      let lastStatus = 0;
      let kick: AbortController | null = null;
      kickHeartbeat = () => kick?.abort();
      while (!signal.aborted) {
        try {
          const r = await ctx.http('POST', `${api}/v1/heartbeat/${uuid}`, { callback_url: callbackUrl, agent_token: token, agent_version: o.agentVersion ?? '9.4.0' }, headers);
          // Events only on change: a 20k-node run heartbeats too often to log every beat.
          if (r.status !== lastStatus) {
            ctx.emit({ kind: 'agent.callback', node, url: `${api}/v1/heartbeat/${uuid}`, status: r.status });
            if (r.status >= 300) ctx.emit({ kind: 'log', level: 'warn', msg: `${node}: heartbeat HTTP ${r.status}: ${r.body.toString('utf8').slice(0, 300)}` });
            lastStatus = r.status;
          }
          if (beats === 0 && r.status < 300) {
            step('heartbeat');
            beats++;
          }
        } catch (e) {
          // Once per outage, not once per beat (Ironic down for a minute = dozens of beats per node).
          if (!signal.aborted && lastStatus !== -1) ctx.emit({ kind: 'log', level: 'warn', msg: `${node}: heartbeat failed: ${(e as Error).message}` });
          lastStatus = -1;
        }
        kick = new AbortController();
        const both = AbortSignal.any([signal, kick.signal]);
        await wait(periodMs, both);
        kick = null;
      }
    } finally {
      unregister();
    }
    const end = ending as Promise<AgentOutcome> | null;
    return end ? await end : fail(`${node}: agent stopped (node lost power or run ended)`);
  } finally {
    ctx.signal.removeEventListener('abort', onNodeAbort);
  }
}
