/**
 * Wait until a machine reports power off, or until `timeoutMs` passed — whichever comes first
 * (an ACPI power-button press the guest may ignore must not hang the BMC request).
 *
 *   onPowerChange('off') ──┐
 *   timer(timeoutMs) ──────┴─▶ resolve (listener removed either way)
 */
import type { PowerState } from '../../base/event.ts';

export function powerOffOrTimeout(m: { onPowerChange(l: (s: PowerState) => void): () => void }, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      un();
      resolve();
    };
    const un = m.onPowerChange((s) => {
      if (s === 'off') done();
    });
    const timer = setTimeout(done, timeoutMs);
    timer.unref();
  });
}
