/**
 * What one emulated BMC remembers beyond its machine: sessions, chassis identify, the boot-option
 * parameters the BMC itself owns (0 set-in-progress, 3 valid-bit clearing, 4 boot info ack, the
 * non-override bytes of 5), the 60 s boot-flag-valid timer and the SEL.
 *
 * Created lazily on a BMC's first packet (10,000 idle BMCs cost one socket each and nothing
 * else) and never armed with a timer: every deadline (session idle, identify, boot-flag timer) is
 * a timestamp checked by `tick(now)` when the BMC is next touched or its machine changes power.
 *
 * The boot override itself (device, EFI, persistent, valid) lives in `machine.bootOverride`,
 * because the machine clears a one-time override after the boot that used it and Redfish may
 * change it too; parameter 5 is read back from there.
 */
import type { BmcSystem } from '../bmc-system.ts';
import type { PowerState } from '../../base/event.ts';
import { SessionTable } from './rakp-session.ts';

/** SEL records kept per BMC; the oldest is overwritten beyond this. */
const SEL_CAPACITY = 512;
/** §28.12: without a Chassis Control within 60 s the BMC clears the boot-flag valid bit. */
export const BOOT_FLAG_TIMEOUT_MS = 60_000;

export interface SelRecord {
  id: number;
  /** The 16-byte record as Get SEL Entry returns it. */
  bytes: Buffer;
}

export class BmcState {
  readonly sessions: SessionTable;
  readonly guid: Buffer;
  /** Clock ms until which identify is lit; Infinity = forced on; 0 = off. */
  identifyUntil = 0;
  setInProgress = 0;
  /** Parameter 3: bit 3 set = don't clear the valid bit after 60 s (Ironic sets 0x08). */
  validBitClearing = 0;
  bootInfoAck = 0;
  /** Bytes 3–5 of parameter 5 (verbosity, console redirection, …), kept as written. */
  bootFlagsExtra = Buffer.alloc(3);
  /** When parameter 5 was last set valid over IPMI (clock ms), until a Chassis Control. */
  bootFlagsSetAt: number | undefined;
  lastPowerOnByIpmi = false;
  readonly sel: SelRecord[] = [];
  private nextSelId = 1;
  selLastAdd = 0;
  selLastErase = 0;
  selReservation = 0;
  private readonly unsubscribe: (() => void) | undefined;

  constructor(
    readonly system: BmcSystem,
    maxSessions: number,
    sessionTimeoutMs: number,
    /** The address this BMC listens on. */
    readonly local: { address: string; port: number },
    /** Clock ms, for deadlines checked on power changes. */
    private readonly now: () => number,
  ) {
    this.sessions = new SessionTable(maxSessions, sessionTimeoutMs);
    this.guid = guidBytes(system.machine.inventory().uuid);
    this.unsubscribe = system.machine.onPowerChange?.((s) => this.logPower(s));
  }

  /** Apply every lazy deadline that has passed. */
  tick(now: number): void {
    this.sessions.expire(now);
    if (this.identifyUntil !== 0 && now >= this.identifyUntil) this.identifyUntil = 0;
    if (this.bootFlagsSetAt !== undefined && (this.validBitClearing & 0x08) === 0 && now - this.bootFlagsSetAt >= BOOT_FLAG_TIMEOUT_MS) {
      this.bootFlagsSetAt = undefined;
      const m = this.system.machine;
      if (m.bootOverride.target !== 'none') m.bootOverride = { target: 'none', mode: m.bootOverride.mode, once: false };
    }
  }

  /** Identify state as Get Chassis Status reports it: 0 off, 1 timed on, 2 indefinitely on. */
  identifyState(now: number): number {
    if (this.identifyUntil === 0 || now >= this.identifyUntil) return 0;
    return this.identifyUntil === Infinity ? 2 : 1;
  }

  /** BMC cold reset: volatile state is lost, sessions end; SEL (non-volatile) stays. */
  coldReset(): void {
    this.sessions.clear();
    this.identifyUntil = 0;
    this.setInProgress = 0;
    this.selReservation = 0;
  }

  dispose(): void {
    this.unsubscribe?.();
  }

  addSel(sensorType: number, sensorNum: number, eventType: number, data: [number, number, number]): void {
    const id = this.nextSelId;
    this.nextSelId = this.nextSelId >= 0xfffe ? 1 : this.nextSelId + 1;
    const ts = Math.floor(Date.now() / 1000);
    const b = Buffer.alloc(16);
    b.writeUInt16LE(id, 0);
    b[2] = 0x02; // system event record
    b.writeUInt32LE(ts, 3);
    b[7] = 0x20; // generator: BMC
    b[8] = 0x00;
    b[9] = 0x04; // event message format revision (IPMI 2.0)
    b[10] = sensorType;
    b[11] = sensorNum;
    b[12] = eventType;
    b.set(data, 13);
    this.sel.push({ id, bytes: b });
    if (this.sel.length > SEL_CAPACITY) this.sel.shift();
    this.selLastAdd = ts;
  }

  clearSel(): void {
    this.sel.length = 0;
    this.selLastErase = Math.floor(Date.now() / 1000);
  }

  private logPower(s: PowerState): void {
    // A power change is a moment the BMC acts on its own: an expired boot-flag timer clears the
    // override before the machine boots with it (machines notify before consuming an override).
    this.tick(this.now());
    // Sensor type 0x22 System ACPI Power State, sensor-specific offsets: 0 = S0/G0, 5 = S5/G2 soft-off.
    this.addSel(0x22, 0x01, 0x6f, [s === 'on' ? 0x00 : 0x05, 0xff, 0xff]);
  }
}

/** IPMI GUIDs are sent least-significant byte first: the RFC 4122 string reversed. */
function guidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  const b = /^[0-9a-fA-F]{32}$/.test(hex) ? Buffer.from(hex, 'hex') : Buffer.alloc(16);
  return b.reverse();
}
