/**
 * What both IPMI backends (ipmitool, FreeIPMI's ipmipower) need to reach one BMC, and the power
 * interface they share. The password is a value handed to the tool through its environment or a
 * private file, or a file of the user's; never an argument, so `ps` and /proc/<pid>/cmdline
 * never show it.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { FleetlabError } from '../../base/errors.ts';

export type IpmiPrivilege = 'CALLBACK' | 'USER' | 'OPERATOR' | 'ADMINISTRATOR';
export type IpmiPowerOp = 'on' | 'off' | 'cycle' | 'reset' | 'soft';

export interface IpmiTarget {
  host: string;
  /** Default 623. */
  port?: number;
  username: string;
  /** The password itself (passed through the environment / a 0600 file) … */
  password?: string;
  /** … or a file holding it (first line), as ipmitool -f reads it. */
  passwordFile?: string;
  /** RMCP+ cipher suite (default 17: HMAC-SHA256, AES-CBC-128). */
  cipherSuite?: number;
  /** Session privilege (default ADMINISTRATOR). */
  privilege?: IpmiPrivilege;
  /** Retries per request (ipmitool -R, default 2). */
  retries?: number;
  /** Seconds per try (ipmitool -N, default 2). */
  timeoutSec?: number;
  /** Called with the tool's pid as soon as it runs (tests read /proc/<pid>/cmdline). */
  onSpawn?: (pid: number) => void;
}

/** Power control every backend offers; ipmitool adds boot devices, SOL and more. */
export interface IpmiPower {
  readonly backend: 'ipmitool' | 'ipmipower';
  powerStatus(): Promise<'on' | 'off'>;
  power(op: IpmiPowerOp): Promise<void>;
}

export function checkTarget(t: IpmiTarget): void {
  const where = `IPMI BMC ${t.host}:${t.port ?? 623}`;
  if ((t.password === undefined) === (t.passwordFile === undefined)) throw new FleetlabError('BMC_CLIENT_OPTIONS', `${where}: give exactly one of password or passwordFile`);
  if (t.cipherSuite !== undefined && (!Number.isInteger(t.cipherSuite) || t.cipherSuite < 0 || t.cipherSuite > 17))
    throw new FleetlabError('BMC_CLIENT_OPTIONS', `${where}: cipherSuite ${t.cipherSuite} is not an IPMI cipher suite id (0–17)`);
}

/** Absolute path of an executable on PATH (plus the sbin directories FreeIPMI installs to), or undefined. */
export function onPath(tool: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '/usr/bin').split(delimiter), '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    const p = join(dir, tool);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}
