/**
 * The Machine of a hardware node whose BMC could not be used when the run started (wrong
 * credentials, unreachable): it reads as off and refuses every action with the error that blocked
 * it, so a scenario or fault that reaches for it fails with the real cause, never a guess.
 */
import { FleetlabError, type ErrorName, ERRORS } from '../../base/errors.ts';
import { NO_OVERRIDE, type BootOverride, type Inventory, type Machine } from '../../base/machine.ts';
import type { PowerState } from '../../base/event.ts';

export class BlockedMachine implements Machine {
  constructor(
    readonly id: string,
    private readonly code: string,
    private readonly message: string,
  ) {}

  power(): PowerState {
    return 'off';
  }

  setPower(): Promise<void> {
    const name = (Object.keys(ERRORS) as ErrorName[]).find((k) => ERRORS[k].code === this.code) ?? 'BMC_CLIENT_REFUSED';
    return Promise.reject(new FleetlabError(name, `${this.id}: ${this.message}`));
  }

  get bootOverride(): BootOverride {
    return { ...NO_OVERRIDE };
  }

  set bootOverride(_v: BootOverride) {
    // nothing reaches this machine's BMC
  }

  inventory(): Inventory {
    return { vendor: 'unknown', model: 'unknown', serial: this.id, uuid: '00000000-0000-0000-0000-000000000000', biosVersion: 'unknown', firmware: 'uefi', cpu: { model: 'unknown', sockets: 0, coresPerSocket: 0, threadsPerCore: 0, mhz: 0 }, memoryGiB: 0, disks: [], nics: [] };
  }
}
