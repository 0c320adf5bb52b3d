/**
 * What a BMC controls. Every node driver (sim, qemu, hardware) implements this; the Redfish and
 * IPMI emulators sit on top of it and know nothing else about the node.
 *
 *   Redfish/IPMI request ──▶ BMC emulator ──▶ Machine ──▶ driver (sim state machine | QMP | …)
 *
 * Invariants:
 * - `power()` is the state a BMC reports *now*; `setPower()` resolves once the transition the
 *   profile models (e.g. power-on delay before the chassis reads On) has happened.
 * - A boot override with `once: true` is consumed by the next boot that used it: afterwards
 *   `bootOverride` reads `{target: 'none', once: false}` as real BMCs report (Enabled=Disabled).
 */
import type { PowerState } from './event.ts';
export type { PowerState };

export type PowerOp = 'on' | 'off' | 'soft-off' | 'reset' | 'cycle' | 'nmi';
export type BootTarget = 'none' | 'pxe' | 'hdd' | 'cd' | 'bios' | 'uefi-http';
export type BootMode = 'uefi' | 'legacy';

export interface BootOverride {
  target: BootTarget;
  mode: BootMode;
  /** true = Redfish "Once" / IPMI non-persistent; false = "Continuous" / persistent (when target ≠ none). */
  once: boolean;
  /** UEFI HTTP boot URI (Redfish Boot.HttpBootUri), when target is 'uefi-http'. */
  httpBootUri?: string;
}

export type MediaType = 'CD' | 'DVD' | 'USBStick' | 'Floppy';
export interface InsertedMedia {
  url: string;
  type: MediaType;
  writeProtected: boolean;
}

/** Optional capability: virtual media a node can boot from (target 'cd'). */
export interface VirtualMediaCapable {
  insertMedia(media: InsertedMedia): void;
  ejectMedia(): void;
  media(): InsertedMedia | null;
}

export interface Inventory {
  vendor: string;
  model: string;
  serial: string;
  uuid: string;
  biosVersion: string;
  firmware: 'bios' | 'uefi';
  cpu: { model: string; sockets: number; coresPerSocket: number; threadsPerCore: number; mhz: number };
  memoryGiB: number;
  disks: { name: string; sizeGB: number; kind: 'ssd' | 'hdd' | 'nvme' }[];
  nics: { name: string; mac: string; speedMbps: number }[];
}

/** Milliseconds a power transition takes on this machine (from the hardware profile). */
export interface PowerTiming {
  /** From a power-on request until the BMC reports On. */
  onMs: number;
  /** From a power-off request until the BMC reports Off (graceful shutdowns take longer). */
  offMs: number;
  softOffMs: number;
}

export interface Machine extends Partial<VirtualMediaCapable> {
  readonly id: string;
  power(): PowerState;
  setPower(op: PowerOp): Promise<void>;
  bootOverride: BootOverride;
  inventory(): Inventory;
  readonly powerTiming?: PowerTiming;
  /** Called after every power state change (BMC emulators use it for SEL entries, events). */
  onPowerChange?(listener: (state: PowerState) => void): () => void;
}

export const NO_OVERRIDE: BootOverride = Object.freeze({ target: 'none', mode: 'uefi', once: false }) as BootOverride;
