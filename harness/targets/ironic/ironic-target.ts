/**
 * Target `ironic`: OpenStack Ironic standalone (Debian python3-ironic), started by fleetlab or an
 * existing one (`--target-opt url=http://…`), nodes enrolled with the redfish or ipmi driver
 * pointing at fleetlab's BMC emulators, ipxe boot + direct deploy, sim nodes running the
 * ironic-python-agent persona.
 *
 *   start: boot services (DHCP/TFTP/HTTP) ─▶ Ironic (ironic.conf, dbsync, GET /v1) ─▶ agent API server
 *          ─▶ poll provision_state every pollMs ─▶ target.state events (Ironic's native names)
 *   enroll:    POST nodes + ports ─▶ manage ─▶ manageable ─▶ provide ─▶ available
 *   provision: PATCH instance_info (image_source, sha256) ─▶ active ─▶ deploying ─▶ wait call-back ─▶ active
 *   deprovision: deleted ─▶ deleting ─▶ (cleaning) ─▶ available
 *
 * Failures reach the run as node failures: a node Ironic puts in a failed state (with its
 * last_error), and every node mid-transition when a fleetlab-started Ironic dies.
 *
 * --target-opt: url, bootUrl (existing Ironic's boot.ipxe), driver|bmc (redfish|ipmi),
 *   heartbeatTimeout (s), deployTimeout (s), pollMs, oobPowerOff (true = Ironic powers the node
 *   off out of band instead of the agent's standby.power_off), debug, kernelBytes, ramdiskBytes.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BootEndpoints, ImageRef, Target, TargetContext, TargetNode, TargetState } from '../target.ts';
import { ERRORS, FleetlabError } from '../../../lab/base/errors.ts';
import { startIronic, type IronicProcess } from './ironic-process.ts';
import { IronicClient, type IronicNode } from './ironic-client.ts';
import { IRONIC_TRANSIENT, ironicPhase } from './ironic-states.ts';
import { startIronicBootServices, type IronicBootServices } from './ironic-boot-services.ts';
import { startIpaAgentServer, type IpaAgentServer } from '../../../lab/nodes/sim/personas/ipa-agent-server.ts';
import { ipaPersona } from '../../../lab/nodes/sim/personas/ipa-persona.ts';
import type { AgentPersona } from '../../../lab/nodes/sim/agent-persona.ts';
import { pool } from '../reference/reference-api.ts';

const OPTIONS = ['url', 'bootUrl', 'driver', 'bmc', 'heartbeatTimeout', 'deployTimeout', 'pollMs', 'oobPowerOff', 'debug', 'kernelBytes', 'ramdiskBytes'] as const;

export function ironicTarget(ctx: TargetContext): Target {
  const opt = ctx.options;
  for (const k of Object.keys(opt)) {
    if (!(OPTIONS as readonly string[]).includes(k)) throw new FleetlabError('PARAM_INVALID', `--target-opt ${k}: unknown option for target 'ironic' (known: ${OPTIONS.join(', ')})`);
  }
  const num = (k: string, dflt: number, min = 0) => {
    const v = opt[k];
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new FleetlabError('PARAM_INVALID', `--target-opt ${k}=${v}: expected a number >= ${min}`);
    return n;
  };
  const bool = (k: string) => opt[k] === 'true' || opt[k] === '1';
  const driver = opt.driver ?? opt.bmc ?? 'redfish';
  if (driver !== 'redfish' && driver !== 'ipmi') throw new FleetlabError('PARAM_INVALID', `--target-opt driver=${driver}: expected redfish or ipmi`);
  const heartbeatTimeoutS = num('heartbeatTimeout', 6, 2);
  const deployTimeoutS = num('deployTimeout', 300, 10);
  const pollMs = num('pollMs', 500, 50);

  let boot: IronicBootServices | null = null;
  let ironic: IronicProcess | null = null;
  let agents: IpaAgentServer | null = null;
  let client: IronicClient | null = null;
  let stopPolling: (() => void) | null = null;
  let persona: AgentPersona | null = null;
  let stopping = false;
  const watchers = new Set<(node: string, s: TargetState) => void>();
  /** Last native state per node name (for failure reporting when Ironic dies). */
  const native = new Map<string, string>();
  const byUuid = new Map<string, string>();
  const deployKernel = { url: '', sha256: '' };
  const deployRamdisk = { url: '', sha256: '' };

  const api = () => {
    if (!client) throw new FleetlabError('TARGET', 'ironic target used before start()');
    return client;
  };

  const publish = (name: string, n: Pick<IronicNode, 'provision_state' | 'last_error'>) => {
    const phase = ironicPhase(n.provision_state);
    native.set(name, n.provision_state);
    ctx.events.emit({ kind: 'target.state', node: name, native: n.provision_state, phase });
    const s: TargetState = { native: n.provision_state, phase, ...(n.last_error ? { lastError: n.last_error } : {}) };
    // Ironic's own reason, after the state event so the run records it as the failure message.
    if (phase === 'failed') ctx.events.emit({ kind: 'node.failed', node: name, phase: 'agent', code: ERRORS.TARGET.code, message: `ironic: ${n.provision_state}: ${n.last_error ?? 'no last_error'}` });
    for (const w of watchers) w(name, s);
  };

  /** Wait until every node is in `want` (by one list request per poll); throws on failed states. */
  const waitAll = async (nodes: TargetNode[], want: string, timeoutMs: number) => {
    const pending = new Set(nodes.map((n) => n.uuid));
    const seen = new Map<string, string>();
    const deadline = Date.now() + timeoutMs;
    while (pending.size) {
      ctx.signal.throwIfAborted();
      const list = await api().listNodes();
      for (const n of list) {
        seen.set(n.uuid, `${n.name ?? n.uuid}: ${n.provision_state}${n.target_provision_state ? ` → ${n.target_provision_state}` : ''}`);
        if (!pending.has(n.uuid)) continue;
        if (n.provision_state === want) pending.delete(n.uuid);
        else if (ironicPhase(n.provision_state) === 'failed')
          throw new FleetlabError('TARGET', `ironic node ${n.name ?? n.uuid}: ${n.provision_state} while waiting for ${want}: ${n.last_error ?? 'no last_error'}`);
      }
      if (!pending.size) break;
      if (Date.now() > deadline) {
        const stuck = [...pending].map((u) => seen.get(u) ?? `${u}: not listed`);
        throw new FleetlabError('TARGET', `ironic: ${pending.size} node(s) not ${want} after ${timeoutMs} ms (${stuck.slice(0, 10).join('; ')}); see ${join(ctx.runDir, 'ironic', 'ironic.log')}`);
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  };

  const failInFlight = (why: string) => {
    for (const [name, state] of native) {
      if (IRONIC_TRANSIENT.has(state)) ctx.events.emit({ kind: 'node.failed', node: name, phase: 'agent', code: ERRORS.TARGET.code, message: `ironic ${why} while the node was '${state}'` });
    }
  };

  /** Start Ironic in `dir` (port 0 = a free one); a restart reuses the database and the port. */
  const launch = async (dir: string, port: number) => {
    const started = Date.now();
    const proc = await startIronic({
      dir,
      port,
      httpUrl: boot!.httpRootUrl,
      conf: { heartbeatTimeoutS, deployCallbackTimeoutS: deployTimeoutS, debug: bool('debug') },
    });
    ironic = proc;
    ctx.events.emit({ kind: 'log', level: 'info', msg: `ironic: started ${proc.url} (pid ${proc.pid}) in ${Date.now() - started} ms; run dir ${dir}` });
    void proc.exited.then((x) => {
      if (stopping || ironic !== proc) return;
      ctx.events.emit({ kind: 'log', level: 'error', code: ERRORS.TARGET.code, msg: `ironic exited unexpectedly (code ${x.code}, signal ${x.signal})` });
      failInFlight(`exited (signal ${x.signal ?? x.code})`);
    });
  };

  return {
    name: 'ironic',
    async start() {
      const subnets = ctx.lab.sites.map((s) => ({ name: s.name, subnet: s.subnet, relay: s.relay, poolStart: s.poolStart, poolEnd: s.poolEnd }));
      const dir = join(ctx.runDir, 'ironic');
      await mkdir(dir, { recursive: true });
      const httpRoot = join(dir, 'http');
      boot = await startIronicBootServices({ subnets, httpRoot, ...(opt.bootUrl ? { ipxeScriptUrl: opt.bootUrl } : {}) });
      Object.assign(deployKernel, boot.artifact('ipa.kernel', num('kernelBytes', 128 * 1024, 1)));
      Object.assign(deployRamdisk, boot.artifact('ipa.initramfs', num('ramdiskBytes', 256 * 1024, 1)));
      if (opt.url) {
        client = new IronicClient({ url: opt.url });
      } else {
        await launch(dir, 0);
        client = new IronicClient({ url: ironic!.url });
      }
      await api().request('GET', '/v1');
      agents = await startIpaAgentServer();
      persona = ipaPersona({ server: agents });
      stopPolling = api().pollStates(
        (c) => {
          const name = c.name ?? byUuid.get(c.uuid) ?? c.uuid;
          publish(name, { provision_state: c.native, last_error: c.lastError });
        },
        { intervalMs: pollMs },
      );
    },
    endpoints(): BootEndpoints {
      if (!boot) throw new FleetlabError('TARGET', 'ironic target used before start()');
      return { dhcp: boot.dhcp, relayPort: 0, tftp: boot.tftp };
    },
    async enroll(nodes) {
      const c = api();
      await pool(nodes, 8, async (n) => {
        byUuid.set(n.uuid, n.name);
        const driverInfo: Record<string, unknown> = { deploy_kernel: deployKernel.url, deploy_ramdisk: deployRamdisk.url };
        if (bool('oobPowerOff')) driverInfo.deploy_forces_oob_reboot = true;
        if (driver === 'redfish') {
          if (!n.bmc.redfish) throw new FleetlabError('TARGET', `ironic: node ${n.name} has no Redfish BMC (driver redfish)`);
          Object.assign(driverInfo, {
            redfish_address: n.bmc.redfish.url,
            redfish_system_id: `/redfish/v1/Systems/${n.bmc.redfish.systemId}`,
            redfish_username: n.bmc.username,
            redfish_password: n.bmc.password,
            redfish_verify_ca: false,
          });
        } else {
          if (!n.bmc.ipmi) throw new FleetlabError('TARGET', `ironic: node ${n.name} has no IPMI BMC (driver ipmi; run as root or with --param bmc=ipmi)`);
          Object.assign(driverInfo, {
            ipmi_address: n.bmc.ipmi.host,
            ipmi_port: n.bmc.ipmi.port,
            ipmi_username: n.bmc.username,
            ipmi_password: n.bmc.password,
            // Explicit: ipmitool otherwise spends ~10 s probing cipher suites.
            ipmi_cipher_suite: 17,
          });
        }
        await c.createNode({
          name: n.name,
          uuid: n.uuid,
          driver,
          boot_interface: 'ipxe',
          deploy_interface: 'direct',
          network_interface: 'noop',
          driver_info: driverInfo,
          properties: { capabilities: `boot_mode:${n.firmware === 'uefi' ? 'uefi' : 'bios'}`, cpu_arch: 'x86_64' },
        });
        for (const mac of n.macs) await c.createPort(n.uuid, mac);
      });
      // Verify one node at a time (~1 s each): concurrent verifies of an all-in-one sqlite Ironic
      // were what stalled it under load.
      for (const n of nodes) {
        await c.setProvisionState(n.uuid, 'manage');
        await waitAll([n], 'manageable', 90_000);
      }
      await pool(nodes, 8, async (n) => {
        await c.setProvisionState(n.uuid, 'provide');
      });
      await waitAll(nodes, 'available', 90_000);
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
    watch(cb) {
      watchers.add(cb);
      return () => watchers.delete(cb);
    },
    image(name: string, bytes: number): ImageRef {
      if (!boot) throw new FleetlabError('TARGET', 'ironic target used before start()');
      const a = boot.image(name, bytes);
      return { name, url: a.url, sha256: a.sha256, bytes: a.bytes };
    },
    agent() {
      if (!persona) throw new FleetlabError('TARGET', 'ironic target used before start()');
      return persona;
    },
    async stop() {
      stopping = true;
      stopPolling?.();
      stopPolling = null;
      await ironic?.stop();
      await agents?.close();
      await boot?.close();
      ironic = null;
      agents = null;
      boot = null;
    },
    ...(opt.url
      ? {}
      : {
          async kill() {
            if (!ironic) return;
            ironic.kill('SIGKILL');
            await ironic.exited;
          },
          /** After a kill: same run dir (database), same port, so agents and the client reconnect. */
          async restart() {
            if (!ironic || ironic.running || stopping) return;
            const old = ironic;
            await launch(old.dir, Number(new URL(old.url).port));
          },
          async pause() {
            ironic?.kill('SIGSTOP');
          },
          async resume() {
            ironic?.kill('SIGCONT');
          },
        }),
  };
}
