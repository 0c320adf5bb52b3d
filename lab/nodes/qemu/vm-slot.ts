/**
 * One qemu node's hold on a VmScheduler slot (maxConcurrentVMs): asked for at power on, held
 * while the VM boots, given back at ready/failed/off so the next queued boot can run.
 *
 *   request ─▶ (queued: waiting is queue time) ─▶ granted ─┬─ still wanted ─▶ held ─▶ onGranted(waitedMs)
 *                                                          └─ not any more ─▶ given back at once
 *   free() ─▶ cancels a waiting request, or releases the held slot
 */
import type { VmScheduler, VmSlotRequest } from './vm-scheduler.ts';

export class VmSlot {
  private release: (() => void) | null = null;
  private pending: VmSlotRequest | null = null;
  private queuedAt = 0;

  constructor(
    private readonly scheduler: VmScheduler,
    private readonly now: () => number,
  ) {}

  /** The VM holds a slot (its boot has begun). */
  get held(): boolean {
    return this.release !== null;
  }

  /** Ask for a slot unless one is held or asked for already. */
  request(stillWanted: () => boolean, onGranted: (waitedMs: number) => void): void {
    if (this.release || this.pending) return;
    const req = this.scheduler.request();
    this.pending = req;
    this.queuedAt = this.now();
    req.granted.then(
      (release) => {
        this.pending = null;
        if (!stillWanted()) return release();
        this.release = release;
        onGranted(Math.round(this.now() - this.queuedAt));
      },
      () => {
        this.pending = null;
      },
    );
  }

  free(): void {
    this.pending?.cancel();
    this.pending = null;
    const r = this.release;
    this.release = null;
    r?.();
  }
}
