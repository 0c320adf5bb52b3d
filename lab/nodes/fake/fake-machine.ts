/**
 * A Machine with no firmware behind it: power and boot override only, each "boot" consuming a
 * Once override exactly as a real BMC-managed machine does. Used by `fleetlab bmc serve` (the
 * sushy-tools fake driver equivalent) and by emulator tests that need no network boot.
 */
import type { PowerState } from '../../base/event.ts';
import type { BootOverride, InsertedMedia, Inventory, Machine, PowerOp, PowerTiming } from '../../base/machine.ts';
import { NO_OVERRIDE } from '../../base/machine.ts';

export interface BootRecord {
  /** What the machine booted from on this power-on/reset. */
  device: BootOverride['target'];
  mode: BootOverride['mode'];
  /** Whether a one-time override was consumed by this boot. */
  consumedOnce: boolean;
}

/**
 * Boots a FakeMachine remembers (newest last). A `bmc serve` machine power-cycled for days must
 * not grow with every boot (1.4 M resets once cost ~90 MB here); tests look at the last few.
 */
export const BOOT_HISTORY_MAX = 64;

export class FakeMachine implements Machine {
  bootOverride: BootOverride = { ...NO_OVERRIDE };
  /** The newest BOOT_HISTORY_MAX boots, oldest first; older ones are dropped in order. */
  readonly boots: BootRecord[] = [];
  /** Every boot since construction (the history above is bounded, this count is not). */
  bootCount = 0;
  private state: PowerState = 'off';
  private inserted: InsertedMedia | null = null;
  private readonly listeners = new Set<(s: PowerState) => void>();

  constructor(
    readonly id: string,
    private readonly inv: Inventory,
    readonly powerTiming: PowerTiming = { onMs: 0, offMs: 0, softOffMs: 0 },
    /** Device used when no override is set (a provisioned machine boots its disk). */
    private readonly defaultBoot: BootOverride['target'] = 'hdd',
  ) {}

  power(): PowerState {
    return this.state;
  }

  async setPower(op: PowerOp): Promise<void> {
    switch (op) {
      case 'on':
        if (this.state === 'on') return;
        await wait(this.powerTiming.onMs);
        this.set('on');
        this.boot();
        return;
      case 'off':
        if (this.state === 'off') return;
        await wait(this.powerTiming.offMs);
        this.set('off');
        return;
      case 'soft-off':
        if (this.state === 'off') return;
        await wait(this.powerTiming.softOffMs);
        this.set('off');
        return;
      case 'reset':
        if (this.state === 'off') return;
        this.boot();
        return;
      case 'cycle':
        if (this.state === 'on') {
          await wait(this.powerTiming.offMs);
          this.set('off');
        }
        await wait(this.powerTiming.onMs);
        this.set('on');
        this.boot();
        return;
      case 'nmi':
        return;
    }
  }

  inventory(): Inventory {
    return this.inv;
  }

  insertMedia(media: InsertedMedia): void {
    this.inserted = { ...media };
  }
  ejectMedia(): void {
    this.inserted = null;
  }
  media(): InsertedMedia | null {
    return this.inserted;
  }

  onPowerChange(listener: (state: PowerState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(s: PowerState) {
    this.state = s;
    for (const l of this.listeners) l(s);
  }

  /** A boot uses the override (if any) and clears it when it was a one-time override. */
  private boot() {
    const o = this.bootOverride;
    const device = o.target === 'none' ? this.defaultBoot : o.target;
    const consumedOnce = o.target !== 'none' && o.once;
    this.boots.push({ device, mode: o.mode, consumedOnce });
    this.bootCount++;
    if (this.boots.length > BOOT_HISTORY_MAX) this.boots.shift();
    if (consumedOnce) this.bootOverride = { ...NO_OVERRIDE, mode: o.mode };
  }
}

function wait(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

/** A plausible inventory for a fake system, deterministic from its index. */
export function fakeInventory(index: number): Inventory {
  const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return {
    vendor: 'Fleetlab',
    model: 'Sim-1U',
    serial: `FL${hex(index, 8).toUpperCase()}`,
    uuid: `f1ee7000-0000-4000-8000-${hex(index, 12)}`,
    biosVersion: '1.0.0',
    firmware: 'uefi',
    cpu: { model: 'Fleetlab Virtual CPU', sockets: 1, coresPerSocket: 8, threadsPerCore: 2, mhz: 2400 },
    memoryGiB: 32,
    disks: [{ name: 'sda', sizeGB: 480, kind: 'ssd' }],
    nics: [{ name: 'eno1', mac: `52:54:00:${hex((index >> 16) & 255, 2)}:${hex((index >> 8) & 255, 2)}:${hex(index & 255, 2)}`, speedMbps: 10000 }],
  };
}

export function fakeSystemId(index: number, idPrefix = 'fake'): string {
  return `${idPrefix}-${index}`;
}
