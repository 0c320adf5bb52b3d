/**
 * Admission control for running VMs: at most `max` qemu guests execute at once (TCG boots are
 * CPU-bound: ~16 CPU-s per PXE boot; on 2 cores 2 VMs is the useful maximum). A node asks for
 * a slot when it powers on and gives it back when it reaches `ready`, fails or powers off; the
 * wait is reported as queue time (not boot time) by the caller.
 *
 *   setPower(on) ─▶ request() ──(FIFO, cancellable)──▶ granted ─▶ VM runs ─▶ release()
 */
import { availableParallelism } from 'node:os';

export interface VmSlotRequest {
  /** Resolves with the release function once a slot is granted; rejects if cancelled first. */
  granted: Promise<() => void>;
  /** Leave the queue (no-op once granted). */
  cancel(): void;
}

export interface VmScheduler {
  readonly max: number;
  running(): number;
  queued(): number;
  request(): VmSlotRequest;
}

/** Default concurrency: one VM per core, at least 1. */
export function defaultMaxVms(): number {
  return Math.max(1, availableParallelism());
}

export function createVmScheduler(max = defaultMaxVms()): VmScheduler {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxConcurrentVMs must be an integer ≥ 1, got ${max}`);
  let running = 0;
  const queue: { grant: () => void; reject: (e: Error) => void }[] = [];
  const pump = () => {
    while (running < max && queue.length) {
      running++;
      queue.shift()!.grant();
    }
  };
  return {
    max,
    running: () => running,
    queued: () => queue.length,
    request() {
      let entry: { grant: () => void; reject: (e: Error) => void } | undefined;
      let done = false;
      const granted = new Promise<() => void>((resolve, reject) => {
        entry = {
          grant: () => {
            done = true;
            let released = false;
            resolve(() => {
              if (released) return;
              released = true;
              running--;
              pump();
            });
          },
          reject,
        };
      });
      queue.push(entry!);
      pump();
      return {
        granted,
        cancel() {
          if (done) return;
          const i = queue.indexOf(entry!);
          if (i >= 0) queue.splice(i, 1);
          done = true;
          entry!.reject(new Error('cancelled'));
        },
      };
    },
  };
}
