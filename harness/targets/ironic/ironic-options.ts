/**
 * `--target-opt` for target `ironic`, checked when the target is created: an unknown option, a
 * driver other than redfish|ipmi or a number out of range is bad input (PARAM_INVALID, exit 2).
 *
 *   url, bootUrl (existing Ironic's boot.ipxe), driver|bmc (redfish|ipmi), heartbeatTimeout (s),
 *   deployTimeout (s), pollMs, oobPowerOff, debug, kernelBytes, ramdiskBytes
 */
import { FleetlabError } from '../../../lab/base/errors.ts';

const OPTIONS = ['url', 'bootUrl', 'driver', 'bmc', 'heartbeatTimeout', 'deployTimeout', 'pollMs', 'oobPowerOff', 'debug', 'kernelBytes', 'ramdiskBytes'] as const;

export interface IronicOptions {
  /** An existing Ironic's API; absent = fleetlab starts one. */
  url?: string;
  /** Where iPXE chains to for an existing Ironic (its boot.ipxe). */
  bootUrl?: string;
  driver: 'redfish' | 'ipmi';
  heartbeatTimeoutS: number;
  deployTimeoutS: number;
  /** provision_state poll interval. */
  pollMs: number;
  /** Ironic powers the node off out of band instead of the agent's standby.power_off. */
  oobPowerOff: boolean;
  debug: boolean;
  /** Sizes of the generated deploy kernel and ramdisk. */
  kernelBytes: number;
  ramdiskBytes: number;
}

export function parseIronicOptions(opt: Record<string, string>): IronicOptions {
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
  return {
    ...(opt.url ? { url: opt.url } : {}),
    ...(opt.bootUrl ? { bootUrl: opt.bootUrl } : {}),
    driver,
    heartbeatTimeoutS: num('heartbeatTimeout', 6, 2),
    deployTimeoutS: num('deployTimeout', 300, 10),
    pollMs: num('pollMs', 500, 50),
    oobPowerOff: bool('oobPowerOff'),
    debug: bool('debug'),
    kernelBytes: num('kernelBytes', 128 * 1024, 1),
    ramdiskBytes: num('ramdiskBytes', 256 * 1024, 1),
  };
}
