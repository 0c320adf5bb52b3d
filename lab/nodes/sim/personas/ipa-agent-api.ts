/**
 * The agent API one simulated IPA serves during one boot (Ironic → callback_url): the command
 * history, the routes, and the command table.
 *
 *   GET  /v1/commands[/<id>] · GET /v1/status · POST /v1/commands?agent_token=…[&wait=true]
 *        └─ token check ─▶ 409 while a command runs ─▶ execute(name) ─▶ CommandResult
 *
 * Async commands (execute_deploy_step, execute_clean_step, install_bootloader) answer RUNNING,
 * finish in the background and heartbeat at once, as IPA does. power_off/reboot answer first and
 * then end the run through `onEnd`.
 */
import { isRecord } from '../../../base/values.ts';
import { ERRORS } from '../../../base/errors.ts';
import type { AgentContext, AgentOutcome } from '../agent-persona.ts';
import { ipaFault, type IpaReply, type IpaRequest } from './ipa-agent-server.ts';
import { cmdError, cmdFailed, ipaStep, type CommandOutcome, type CommandResult, type CommandStatus } from './ipa-command.ts';
import { writeImage } from './ipa-write-image.ts';

const HARDWARE_MANAGER_VERSION = { generic_hardware_manager: '1.1' };

export class IpaAgentApi {
  private readonly commands: CommandResult[] = [];
  private seq = 0;
  /** Called when an async command settles (the heartbeat loop beats at once). */
  onCommandDone: () => void = () => {};

  constructor(
    private readonly ctx: AgentContext,
    private readonly uuid: string,
    private readonly token: string,
    private readonly agentVersion: string,
    /** power_off/reboot: the run ends with this outcome. */
    private readonly onEnd: (outcome: Promise<AgentOutcome>) => void,
  ) {}

  async handle(req: IpaRequest): Promise<IpaReply> {
    const path = req.path.replace(/\/+$/, '');
    if (req.method === 'GET' && path === '') return { status: 200, body: { name: 'OpenStack Ironic Python Agent API (fleetlab)', versions: [{ id: 'v1' }] } };
    if (req.method === 'GET' && path === '/v1/commands') return { status: 200, body: { commands: this.commands } };
    if (req.method === 'GET' && path.startsWith('/v1/commands/')) {
      const id = path.slice('/v1/commands/'.length);
      const c = this.commands.find((x) => x.id === id);
      return c ? { status: 200, body: c } : ipaFault(404, `command ${id} not found`);
    }
    if (req.method === 'GET' && path === '/v1/status') return { status: 200, body: { started_at: 0, version: this.agentVersion } };
    if (req.method === 'POST' && path === '/v1/commands') {
      if (req.query.get('agent_token') !== this.token) return ipaFault(401, 'Invalid or missing agent token received.');
      const running = this.commands.find((c) => c.command_status === 'RUNNING');
      if (running) return ipaFault(409, `Agent is busy: executing command ${running.command_name}`);
      if (!isRecord(req.body) || typeof req.body.name !== 'string') return ipaFault(400, 'body: expected {"name": "<ext>.<command>", "params": {...}}');
      const params = isRecord(req.body.params) ? req.body.params : {};
      return this.execute(req.body.name, params, req.query.get('wait') === 'true');
    }
    return ipaFault(404, `no route ${req.method} ${req.path}`);
  }

  /** The command table: `<extension>.<command>` → its reply. */
  private async execute(name: string, params: Record<string, unknown>, waitFor: boolean): Promise<IpaReply> {
    const [ext, cmd] = name.split('.', 2) as [string, string | undefined];
    if (!cmd) return ipaFault(400, `Invalid command: ${name}`);
    const ctx = this.ctx;
    switch (name) {
      case 'deploy.get_deploy_steps':
        ipaStep(ctx, 'get-deploy-steps');
        return reply(
          this.record(cmd, 'SUCCEEDED', {
            deploy_steps: { GenericHardwareManager: [{ step: 'write_image', priority: 0, interface: 'deploy', reboot_requested: false, argsinfo: null }] },
            hardware_manager_version: HARDWARE_MANAGER_VERSION,
          }),
        );
      case 'deploy.execute_deploy_step': {
        const s = isRecord(params.step) ? params.step : null;
        if (!s) return ipaFault(400, 'deploy.execute_deploy_step: params.step missing');
        const c = this.record(cmd, 'RUNNING', null);
        ipaStep(ctx, 'execute-deploy-step', String(s.step));
        return this.runAsync(c, waitFor, async () =>
          s.step === 'write_image' && s.interface === 'deploy'
            ? writeImage(ctx, s)
            : cmdFailed('UnknownDeployStep', `deploy step ${String(s.interface)}.${String(s.step)} is not supported by this agent`),
        );
      }
      case 'clean.get_clean_steps':
        return reply(this.record(cmd, 'SUCCEEDED', { clean_steps: { GenericHardwareManager: [] }, hardware_manager_version: HARDWARE_MANAGER_VERSION }));
      case 'clean.execute_clean_step':
        return this.runAsync(this.record(cmd, 'RUNNING', null), waitFor, async () => ({ ok: true, result: { clean_result: {}, clean_step: params.step ?? null } }));
      case 'standby.get_partition_uuids':
        return reply(this.record(cmd, 'SUCCEEDED', {}));
      case 'image.install_bootloader': {
        ipaStep(ctx, 'install-bootloader', typeof params.target_boot_mode === 'string' ? params.target_boot_mode : undefined);
        return this.runAsync(this.record(cmd, 'RUNNING', null), waitFor, async () => ({ ok: true, result: null }));
      }
      case 'standby.sync':
        return reply(this.record(cmd, 'SUCCEEDED', null));
      case 'standby.power_off':
      case 'standby.reboot':
        return this.goDown(cmd, cmd === 'power_off');
      default:
        return ipaFault(400, `Unknown command: ${ext}.${cmd}`);
    }
  }

  private record(name: string, status: CommandStatus, result: unknown): CommandResult {
    const c: CommandResult = { id: `${this.uuid}-${++this.seq}`, command_name: name, command_params: {}, command_status: status, command_error: null, command_result: result };
    this.commands.push(c);
    return c;
  }

  /** Runs an async command's body; marks the command done and heartbeats at once, as IPA does. */
  private async runAsync(c: CommandResult, waitFor: boolean, body: () => Promise<CommandOutcome>): Promise<IpaReply> {
    const done = body()
      .catch((e: Error): CommandOutcome => ({ ok: false, error: cmdError('CommandExecutionError', e.message) }))
      .then((r) => {
        if (r.ok) {
          c.command_status = 'SUCCEEDED';
          c.command_result = r.result;
        } else {
          c.command_status = 'FAILED';
          c.command_error = r.error;
        }
        this.onCommandDone();
      });
    if (waitFor) await done;
    return reply(c);
  }

  /** standby.power_off / standby.reboot: answer first, then go down (the real agent's reply also precedes its poweroff). */
  private goDown(cmd: string, off: boolean): IpaReply {
    const ctx = this.ctx;
    ctx.phase('callback'); // the deploy is reported done; Ironic now takes the node over
    ipaStep(ctx, off ? 'power-off' : 'reboot');
    const c = this.record(cmd, 'SUCCEEDED', null);
    return reply(c, () => {
      // Powering off aborts ctx.signal; the outcome is already recorded by then.
      this.onEnd(
        off
          ? ctx.powerOff().then(
              (): AgentOutcome => ({ kind: 'poweroff' }),
              (e: Error): AgentOutcome => ({ kind: 'failed', code: ERRORS.AGENT.code, message: `${ctx.node.name}: power off failed: ${e.message}` }),
            )
          : Promise.resolve({ kind: 'reboot' }),
      );
    });
  }
}

function reply(c: CommandResult, after?: () => void): IpaReply {
  return { status: 200, body: c, ...(after ? { after } : {}) };
}
