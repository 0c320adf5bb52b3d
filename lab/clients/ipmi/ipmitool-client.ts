/**
 * ipmitool wrapper: one `ipmitool -I lanplus` process per request, typed results, failures as
 * BMC_CLIENT_* codes. The password goes through `-E` (IPMI_PASSWORD in the child's environment,
 * which only root and the owner can read) or `-f <file>`; it is never an argument.
 *
 *   chassis power status|on|off|cycle|reset|soft   chassis status   chassis bootdev <dev> [options=…]
 *   chassis bootparam get 5                        mc info          sol activate/deactivate (sol-console.ts)
 *
 *   argv ─▶ runTool (deadline) ─▶ exit 0 ─▶ parse (ipmitool-output.ts) ─▶ typed result
 *                                  └ else ─▶ classifyIpmiFailure(stderr) ─▶ FleetlabError
 */
import { FleetlabError } from '../../base/errors.ts';
import type { IpmiPower, IpmiPowerOp, IpmiTarget } from './ipmi-options.ts';
import { checkTarget } from './ipmi-options.ts';
import { classifyIpmiFailure, failureSummary } from './ipmi-tool-errors.ts';
import type { BootFlags, ChassisStatus, IpmiBootDevice, McInfo } from './ipmitool-output.ts';
import { parseBootParam5, parseChassisStatus, parseMcInfo, parsePowerStatus } from './ipmitool-output.ts';
import { runTool } from './tool-process.ts';

export type BootdevTarget = 'pxe' | 'disk' | 'cdrom' | 'bios' | 'none';

export interface BootdevOptions {
  /** UEFI boot (options=efiboot). */
  efi?: boolean;
  /** Every future boot, not just the next (options=persistent). */
  persistent?: boolean;
}

/** Connection arguments and environment shared by every ipmitool invocation (also SOL). */
export function ipmitoolInvocation(t: IpmiTarget): { args: string[]; env: Record<string, string> } {
  checkTarget(t);
  const args = [
    '-I', 'lanplus', '-H', t.host, '-p', String(t.port ?? 623), '-U', t.username,
    '-C', String(t.cipherSuite ?? 17), '-L', t.privilege ?? 'ADMINISTRATOR',
    '-R', String(t.retries ?? 2), '-N', String(t.timeoutSec ?? 2),
    // -v: the only way ipmitool tells a wrong password (RAKP 2 HMAC) from a silent BMC.
    '-v',
  ];
  if (t.passwordFile !== undefined) return { args: [...args, '-f', t.passwordFile], env: {} };
  return { args: [...args, '-E'], env: { IPMI_PASSWORD: t.password ?? '' } };
}

export class IpmitoolClient implements IpmiPower {
  readonly backend = 'ipmitool';

  constructor(
    readonly target: IpmiTarget,
    private readonly tool = 'ipmitool',
  ) {
    checkTarget(target);
  }

  /** Run one ipmitool command; stdout on success, a classified FleetlabError otherwise. */
  async run(command: string[]): Promise<string> {
    const { args, env } = ipmitoolInvocation(this.target);
    const t = this.target;
    const deadlineMs = ((t.retries ?? 2) + 1) * (t.timeoutSec ?? 2) * 3000 + 5000;
    const r = await runTool(this.tool, [...args, ...command], { env, deadlineMs, ...(t.onSpawn ? { onSpawn: t.onSpawn } : {}) });
    const where = `ipmitool ${command.join(' ')} on ${t.host}:${t.port ?? 623}`;
    if (r.timedOut) throw new FleetlabError('BMC_CLIENT_TIMEOUT', `${where}: no result within ${deadlineMs} ms (killed)`, { host: t.host, command: command.join(' ') });
    if (r.code !== 0) {
      const text = `${r.stderr}\n${r.stdout}`;
      throw new FleetlabError(classifyIpmiFailure(text), `${where}: ${failureSummary(text) || `exit ${r.code}`}`, { host: t.host, command: command.join(' '), exit: r.code });
    }
    return r.stdout;
  }

  async powerStatus(): Promise<'on' | 'off'> {
    return parsePowerStatus(await this.run(['chassis', 'power', 'status']));
  }

  async power(op: IpmiPowerOp): Promise<void> {
    await this.run(['chassis', 'power', op]);
  }

  async chassisStatus(): Promise<ChassisStatus> {
    return parseChassisStatus(await this.run(['chassis', 'status']));
  }

  /** `chassis bootdev <dev> [options=efiboot,persistent]`; 'none' clears the override. */
  async bootdev(dev: BootdevTarget, o: BootdevOptions = {}): Promise<void> {
    const opts = [...(o.efi ? ['efiboot'] : []), ...(o.persistent ? ['persistent'] : [])];
    await this.run(['chassis', 'bootdev', dev, ...(opts.length ? [`options=${opts.join(',')}`] : [])]);
  }

  /** Boot flags (boot parameter 5): the override the BMC will apply. */
  async bootFlags(): Promise<BootFlags> {
    return parseBootParam5(await this.run(['chassis', 'bootparam', 'get', '5']));
  }

  async mcInfo(): Promise<McInfo> {
    return parseMcInfo(await this.run(['mc', 'info']));
  }

  async solDeactivate(): Promise<void> {
    await this.run(['sol', 'deactivate']);
  }
}

export type { BootFlags, ChassisStatus, IpmiBootDevice, McInfo };
