/**
 * A Redfish system as a RemoteBmc (what RemoteMachine drives): Machine power ops and boot
 * overrides translated to ComputerSystem.Reset and the Boot PATCH, the same mapping the
 * emulator uses the other way round (lab/bmc/redfish/resources/systems.ts).
 *
 *   on→On  off→ForceOff  soft-off→GracefulShutdown  reset→ForceRestart  cycle→PowerCycle  nmi→Nmi
 *   PowerState PoweringOn reads 'off' and PoweringOff 'on': power() is the state *now*.
 */
import type { PowerState } from '../../base/event.ts';
import { isFleetlabError } from '../../base/errors.ts';
import type { BootMode, BootOverride, BootTarget, InsertedMedia, PowerOp } from '../../base/machine.ts';
import type { RemoteBmc } from '../remote-machine.ts';
import type { ResetType } from './redfish-system.ts';
import type { RedfishSystem } from './redfish-system.ts';

const RESET: Record<PowerOp, ResetType> = { on: 'On', off: 'ForceOff', 'soft-off': 'GracefulShutdown', reset: 'ForceRestart', cycle: 'PowerCycle', nmi: 'Nmi' };
const TARGET: Record<BootTarget, string> = { none: 'None', pxe: 'Pxe', hdd: 'Hdd', cd: 'Cd', bios: 'BiosSetup', 'uefi-http': 'UefiHttp' };
const FROM_TARGET = Object.fromEntries(Object.entries(TARGET).map(([k, v]) => [v, k])) as Record<string, BootTarget>;

export function redfishRemoteBmc(system: RedfishSystem): RemoteBmc {
  return {
    kind: 'redfish',
    address: system.client.url,
    async readPower(): Promise<PowerState> {
      const p = await system.powerState();
      return p === 'On' || p === 'PoweringOff' ? 'on' : 'off';
    },
    async power(op) {
      try {
        await system.reset(RESET[op]);
      } catch (e) {
        // 409 "already in that state" is success for the caller (Ironic reads it the same way).
        if (isFleetlabError(e) && e.details?.status === 409) return;
        throw e;
      }
    },
    async readBootOverride(): Promise<BootOverride> {
      const b = await system.bootOverride();
      const target = b.enabled === 'Disabled' ? 'none' : (FROM_TARGET[b.target] ?? 'none');
      const mode: BootMode = b.mode === 'Legacy' ? 'legacy' : 'uefi';
      return { target, mode, once: target !== 'none' && b.enabled === 'Once' };
    },
    async writeBootOverride(o) {
      await system.setBootOverride({
        enabled: o.target === 'none' ? 'Disabled' : o.once ? 'Once' : 'Continuous',
        target: TARGET[o.target],
        mode: o.mode === 'legacy' ? 'Legacy' : 'UEFI',
      });
    },
    async readMedia(): Promise<InsertedMedia | null> {
      const m = await system.media();
      return m.inserted && m.image ? { url: m.image, type: 'CD', writeProtected: m.writeProtected ?? true } : null;
    },
    async writeMedia(m) {
      if (m) await system.insertMedia(m.url, { writeProtected: m.writeProtected });
      else await system.ejectMedia();
    },
    close: () => system.client.close(),
  };
}

