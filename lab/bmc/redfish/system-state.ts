/**
 * BMC-side state of one system that the Machine does not hold: BIOS attributes (current and
 * pending-until-reset), SecureBoot, indicator LED, asset tag, the virtual floppy, the clock
 * offset. Created on first use only (10,000 systems that are only polled cost no state).
 *
 * "Apply at next reset": pending BIOS settings and a SecureBoot change take effect when the
 * system next boots — through a Reset action (the server calls `applyOnReset`) or a power-on the
 * machine reports itself (the state subscribes to `onPowerChange` only while something is pending).
 */
import type { BmcSystem } from '../bmc-system.ts';
import type { InsertedMedia, PowerOp } from '../../base/machine.ts';

export type BiosValue = string | number | boolean;

export function defaultBios(sys: BmcSystem): Record<string, BiosValue> {
  const inv = sys.machine.inventory();
  return {
    BootMode: inv.firmware === 'uefi' ? 'Uefi' : 'Bios',
    ProcTurboMode: 'Enabled',
    ProcVirtualization: 'Enabled',
    SriovGlobalEnable: 'Disabled',
    PxeDev1EnDis: 'Enabled',
    PxeDev1Interface: inv.nics[0]?.name ?? 'NIC.1',
    QuietBoot: true,
    NumCores: inv.cpu.coresPerSocket,
    HttpBootUri: '',
  };
}

export class SystemState {
  assetTag = '';
  indicatorLed: 'Off' | 'Lit' | 'Blinking' = 'Off';
  bios: Record<string, BiosValue>;
  biosPending: Record<string, BiosValue> | null = null;
  secureBootEnable = false;
  /** What the running boot used (changes at the next reset). */
  secureBootCurrent = false;
  secureBootMode: 'DeployedMode' | 'SetupMode' = 'DeployedMode';
  /** BIOS version after a completed firmware update task (else the inventory's). */
  biosVersion: string | undefined;
  /** Floppy/USB device: BMC-side only (the machine has one boot medium slot, used by Cd). */
  floppy: InsertedMedia | null = null;
  /** Cd medium for machines without the VirtualMediaCapable capability. */
  cd: InsertedMedia | null = null;
  /** Power operation started by a Reset action and not finished yet. */
  inflight: PowerOp | undefined;
  /** Power operations run one after another per system; this never rejects. */
  chain: Promise<void> = Promise.resolve();
  dateTimeOffset = '+00:00';
  /** Bumped on every BMC-side write; part of ETags. */
  version = 0;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly sys: BmcSystem) {
    this.bios = defaultBios(sys);
  }

  /** Something waits for the next boot: make sure a power-on reported by the machine applies it. */
  armApplyOnReset(): void {
    if (this.unsubscribe || !this.sys.machine.onPowerChange) return;
    this.unsubscribe = this.sys.machine.onPowerChange((s) => {
      if (s === 'on') this.applyOnReset();
    });
  }

  /** A boot happened: pending settings become current. */
  applyOnReset(): void {
    if (this.biosPending) {
      this.bios = { ...this.bios, ...this.biosPending };
      this.biosPending = null;
      this.version++;
    }
    if (this.secureBootCurrent !== this.secureBootEnable) {
      this.secureBootCurrent = this.secureBootEnable;
      this.version++;
    }
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  dispose(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
