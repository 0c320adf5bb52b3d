/**
 * An IPMI BMC as a RemoteBmc (what RemoteMachine drives), through the ipmitool wrapper; with the
 * ipmipower backend only power is available and boot override writes are BMC_CLIENT_UNSUPPORTED.
 *
 *   on→on  off→off  soft-off→soft  reset→reset  cycle→cycle  nmi→diag
 *   boot override ⇄ chassis bootdev <dev> options=efiboot[,persistent] / bootparam get 5
 */
import type { PowerState } from '../../base/event.ts';
import { FleetlabError } from '../../base/errors.ts';
import type { BootOverride, BootTarget, PowerOp } from '../../base/machine.ts';
import { NO_OVERRIDE } from '../../base/machine.ts';
import type { RemoteBmc } from '../remote-machine.ts';
import type { IpmiPower, IpmiPowerOp } from './ipmi-options.ts';
import type { BootdevTarget, IpmiBootDevice } from './ipmitool-client.ts';
import { IpmitoolClient } from './ipmitool-client.ts';

const OPS: Record<Exclude<PowerOp, 'nmi'>, IpmiPowerOp> = { on: 'on', off: 'off', 'soft-off': 'soft', reset: 'reset', cycle: 'cycle' };
const TO_DEV: Partial<Record<BootTarget, BootdevTarget>> = { none: 'none', pxe: 'pxe', hdd: 'disk', cd: 'cdrom', bios: 'bios' };
const FROM_DEV: Record<IpmiBootDevice, BootTarget> = { none: 'none', pxe: 'pxe', disk: 'hdd', cdrom: 'cd', bios: 'bios', floppy: 'none', other: 'none' };

export function ipmiRemoteBmc(client: IpmiPower & { target: { host: string; port?: number } }): RemoteBmc {
  const address = `ipmi://${client.target.host}:${client.target.port ?? 623}`;
  const full = client instanceof IpmitoolClient ? client : undefined;
  const unsupported = (what: string) => new FleetlabError('BMC_CLIENT_UNSUPPORTED', `${address}: ${what} needs ipmitool (the ${client.backend} backend controls power only)`);
  return {
    kind: 'ipmi',
    address,
    readPower: (): Promise<PowerState> => client.powerStatus(),
    async power(op) {
      if (op === 'nmi') {
        if (!full) throw unsupported('NMI');
        await full.run(['chassis', 'power', 'diag']);
        return;
      }
      await client.power(OPS[op]);
    },
    async readBootOverride(): Promise<BootOverride> {
      if (!full) return { ...NO_OVERRIDE };
      const f = await full.bootFlags();
      const target = f.valid ? FROM_DEV[f.device] : 'none';
      return { target, mode: f.efi ? 'uefi' : 'legacy', once: target !== 'none' && !f.persistent };
    },
    async writeBootOverride(o) {
      if (!full) throw unsupported('a boot override');
      const dev = TO_DEV[o.target];
      if (!dev) throw new FleetlabError('BMC_CLIENT_UNSUPPORTED', `${address}: IPMI has no boot device for '${o.target}'`);
      await full.bootdev(dev, { efi: o.mode === 'uefi', persistent: o.target !== 'none' && !o.once });
    },
    close: () => Promise.resolve(),
  };
}
