/**
 * FreeIPMI's `ipmipower` as the power-only IPMI backend, for hosts where ipmitool is absent.
 * ipmipower has no environment-variable password, so the password goes into a 0600 config file
 * (`ipmipower-password …`) in a private temp directory that lives only for the one call.
 *
 *   --stat|--on|--off|--cycle|--reset|--soft ─▶ "host:port: on|off|ok" or "host:port: <error>"
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FleetlabError } from '../../base/errors.ts';
import type { IpmiPower, IpmiPowerOp, IpmiPrivilege, IpmiTarget } from './ipmi-options.ts';
import { checkTarget, onPath } from './ipmi-options.ts';
import { classifyIpmiFailure } from './ipmi-tool-errors.ts';
import { IpmitoolClient } from './ipmitool-client.ts';
import { runTool } from './tool-process.ts';

const PRIV: Record<IpmiPrivilege, string> = { CALLBACK: 'user', USER: 'user', OPERATOR: 'operator', ADMINISTRATOR: 'admin' };

export class IpmipowerClient implements IpmiPower {
  readonly backend = 'ipmipower';

  constructor(
    readonly target: IpmiTarget,
    private readonly tool = onPath('ipmipower') ?? 'ipmipower',
  ) {
    checkTarget(target);
  }

  async powerStatus(): Promise<'on' | 'off'> {
    const state = await this.run('--stat');
    if (state !== 'on' && state !== 'off') throw new FleetlabError('BMC_CLIENT_RESPONSE', `ipmipower --stat on ${this.where()}: unexpected answer '${state}'`);
    return state;
  }

  async power(op: IpmiPowerOp): Promise<void> {
    await this.run(`--${op}`);
  }

  private where(): string {
    return `${this.target.host}:${this.target.port ?? 623}`;
  }

  /** One ipmipower call; the text after "host:port: " on success. */
  private async run(action: string): Promise<string> {
    const t = this.target;
    const dir = await mkdtemp(join(tmpdir(), 'fleetlab-ipmipower-'));
    try {
      const conf = join(dir, 'freeipmi.conf');
      const password = t.passwordFile !== undefined ? (await readFile(t.passwordFile, 'utf8')).split('\n')[0]! : (t.password ?? '');
      await writeFile(conf, `ipmipower-password ${password}\n`, { mode: 0o600 });
      await chmod(conf, 0o600);
      const timeoutMs = (t.timeoutSec ?? 2) * 1000;
      const args = [
        '-D', 'LAN_2_0', '-h', this.where(), '-u', t.username, '--config-file', conf,
        '-I', String(t.cipherSuite ?? 17), '-l', PRIV[t.privilege ?? 'ADMINISTRATOR'],
        '--session-timeout', String(timeoutMs * ((t.retries ?? 2) + 1)), '--retransmission-timeout', String(Math.max(100, Math.floor(timeoutMs / 2))),
        action,
      ];
      const deadlineMs = timeoutMs * ((t.retries ?? 2) + 1) * 3 + 5000;
      const r = await runTool(this.tool, args, { deadlineMs, ...(t.onSpawn ? { onSpawn: t.onSpawn } : {}) });
      const where = `ipmipower ${action} on ${this.where()}`;
      if (r.timedOut) throw new FleetlabError('BMC_CLIENT_TIMEOUT', `${where}: no result within ${deadlineMs} ms (killed)`, { host: t.host });
      const answer = (/:\s*([^:\n]+)\s*$/m.exec(r.stdout.trim())?.[1] ?? '').trim();
      if (r.code !== 0 || (answer !== 'on' && answer !== 'off' && answer !== 'ok')) {
        const text = `${r.stdout}\n${r.stderr}`;
        throw new FleetlabError(classifyIpmiFailure(text), `${where}: ${answer || r.stderr.trim() || `exit ${r.code}`}`, { host: t.host, exit: r.code });
      }
      return answer;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** ipmitool when installed, else ipmipower (power only), else BMC_CLIENT_TOOL. */
export function ipmiPowerClient(target: IpmiTarget, prefer: 'auto' | 'ipmitool' | 'ipmipower' = 'auto'): IpmiPower {
  const tool = onPath('ipmitool');
  if (prefer === 'ipmitool' || (prefer === 'auto' && tool)) return new IpmitoolClient(target, tool ?? 'ipmitool');
  const power = onPath('ipmipower');
  if (!power) throw new FleetlabError('BMC_CLIENT_TOOL', 'neither ipmitool nor FreeIPMI ipmipower is installed');
  return new IpmipowerClient(target, power);
}
