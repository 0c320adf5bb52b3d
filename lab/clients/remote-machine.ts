/**
 * A machine fleetlab did not create, behind the same `Machine` contract as sim and qemu nodes, so
 * the harness, faults (`power-loss`, …) and rollouts drive a remote BMC as they drive an emulated
 * one. The BMC is reached through a `RemoteBmc` (Redfish client or ipmitool wrapper).
 *
 *   power()            last state read from the BMC (refresh()/watch() keep it current)
 *   setPower(op)       pending writes ─▶ BMC power op ─▶ poll until the BMC reports the end state
 *   bootOverride = o   cached at once (synchronous contract) ─▶ written in order ─▶ flush() awaits
 *   insertMedia(m)     the same queue (Redfish BMCs with virtual media only)
 *
 * Write failures are never lost: onError hears each one and the next flush()/setPower() throws it.
 */
import type { PowerState } from '../base/event.ts';
import { FleetlabError } from '../base/errors.ts';
import type { BootOverride, InsertedMedia, Inventory, Machine, PowerOp, PowerTiming } from '../base/machine.ts';
import { NO_OVERRIDE } from '../base/machine.ts';

/** One BMC as RemoteMachine needs it. */
export interface RemoteBmc {
  readonly kind: 'redfish' | 'ipmi';
  /** Where it is, for messages (never with credentials). */
  readonly address: string;
  readPower(): Promise<PowerState>;
  power(op: PowerOp): Promise<void>;
  readBootOverride(): Promise<BootOverride>;
  writeBootOverride(o: BootOverride): Promise<void>;
  readMedia?(): Promise<InsertedMedia | null>;
  writeMedia?(m: InsertedMedia | null): Promise<void>;
  close(): Promise<void>;
}

export interface RemoteMachineOptions {
  /** What the inventory file says about the machine (default: a placeholder naming the BMC). */
  inventory?: Inventory;
  powerTiming?: PowerTiming;
  /** Poll interval while waiting for a power transition (default 1000 ms). */
  pollMs?: number;
  /** Longest wait for the BMC to report the end state of a power op (default 120 s). */
  powerTimeoutMs?: number;
  onError?: (e: Error) => void;
}

/** The state a power op ends in; undefined when it has none to wait for (nmi). */
function endState(op: PowerOp): PowerState | undefined {
  switch (op) {
    case 'on':
    case 'reset':
    case 'cycle':
      return 'on';
    case 'off':
    case 'soft-off':
      return 'off';
    case 'nmi':
      return undefined;
  }
}

export class RemoteMachine implements Machine {
  readonly powerTiming?: PowerTiming;
  private state: PowerState = 'off';
  private override: BootOverride = { ...NO_OVERRIDE };
  private inserted: InsertedMedia | null = null;
  private writes: Promise<void> = Promise.resolve();
  private failed: Error | undefined;
  private readonly listeners = new Set<(s: PowerState) => void>();
  private poller: NodeJS.Timeout | undefined;

  constructor(
    readonly id: string,
    readonly bmc: RemoteBmc,
    private readonly o: RemoteMachineOptions = {},
  ) {
    if (o.powerTiming) this.powerTiming = o.powerTiming;
  }

  /** A RemoteMachine with its state read from the BMC. */
  static async connect(id: string, bmc: RemoteBmc, o: RemoteMachineOptions = {}): Promise<RemoteMachine> {
    const m = new RemoteMachine(id, bmc, o);
    await m.refresh();
    return m;
  }

  power(): PowerState {
    return this.state;
  }

  get bootOverride(): BootOverride {
    return this.override;
  }

  set bootOverride(o: BootOverride) {
    this.override = { ...o };
    const next = { ...o };
    this.enqueue(() => this.bmc.writeBootOverride(next));
  }

  async setPower(op: PowerOp): Promise<void> {
    await this.flush();
    // The contract's no-ops (FakeMachine, sim): on when on; off, soft-off, reset, nmi when off.
    this.setState(await this.bmc.readPower());
    if (op === 'on' ? this.state === 'on' : op !== 'cycle' && this.state === 'off') return;
    await this.bmc.power(op);
    const want = endState(op);
    if (want) await this.waitPower(want, op);
    // A boot consumes a one-time override on the BMC's side: read what it says now.
    if (want === 'on') this.override = await this.bmc.readBootOverride();
  }

  inventory(): Inventory {
    return this.o.inventory ?? placeholderInventory(this.id);
  }

  insertMedia(media: InsertedMedia): void {
    const write = this.mediaWriter();
    this.inserted = { ...media };
    this.enqueue(() => write({ ...media }));
  }

  ejectMedia(): void {
    const write = this.mediaWriter();
    this.inserted = null;
    this.enqueue(() => write(null));
  }

  media(): InsertedMedia | null {
    return this.inserted;
  }

  onPowerChange(listener: (state: PowerState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Read power, boot override (and media) from the BMC; listeners hear a power change. */
  async refresh(): Promise<void> {
    await this.flush();
    this.setState(await this.bmc.readPower());
    this.override = await this.bmc.readBootOverride();
    if (this.bmc.readMedia) this.inserted = await this.bmc.readMedia();
  }

  /** Wait for every queued write; throws the first that failed (once). */
  async flush(): Promise<void> {
    await this.writes;
    const e = this.failed;
    this.failed = undefined;
    if (e) throw e;
  }

  /** Poll power every `intervalMs` so power changes made elsewhere reach listeners. */
  watch(intervalMs = 5000): () => void {
    this.unwatch();
    const tick = () => {
      this.bmc.readPower().then(
        (s) => this.setState(s),
        (e: Error) => this.o.onError?.(e),
      );
    };
    this.poller = setInterval(tick, intervalMs);
    this.poller.unref();
    return () => this.unwatch();
  }

  /** Stop polling, finish queued writes, release the BMC client. */
  async close(): Promise<void> {
    this.unwatch();
    try {
      await this.flush();
    } finally {
      await this.bmc.close();
    }
  }

  private unwatch(): void {
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
  }

  private mediaWriter(): (m: InsertedMedia | null) => Promise<void> {
    const w = this.bmc.writeMedia?.bind(this.bmc);
    if (!w) throw new FleetlabError('BMC_CLIENT_UNSUPPORTED', `${this.id}: the ${this.bmc.kind} BMC at ${this.bmc.address} has no virtual media`);
    return w;
  }

  private enqueue(write: () => Promise<void>): void {
    this.writes = this.writes.then(write).catch((e: Error) => {
      this.failed ??= e;
      this.o.onError?.(e);
    });
  }

  private setState(s: PowerState): void {
    if (s === this.state) return;
    this.state = s;
    for (const l of this.listeners) l(s);
  }

  private async waitPower(want: PowerState, op: PowerOp): Promise<void> {
    const timeout = this.o.powerTimeoutMs ?? 120_000;
    const deadline = Date.now() + timeout;
    for (;;) {
      this.setState(await this.bmc.readPower());
      if (this.state === want) return;
      if (Date.now() >= deadline)
        throw new FleetlabError('BMC_CLIENT_TIMEOUT', `${this.id}: power ${op} sent to ${this.bmc.address}, but it still reports ${this.state} after ${timeout} ms`, { op });
      await new Promise((r) => setTimeout(r, this.o.pollMs ?? 1000));
    }
  }
}

function placeholderInventory(id: string): Inventory {
  return {
    vendor: 'unknown',
    model: 'unknown',
    serial: id,
    uuid: '00000000-0000-0000-0000-000000000000',
    biosVersion: 'unknown',
    firmware: 'uefi',
    cpu: { model: 'unknown', sockets: 0, coresPerSocket: 0, threadsPerCore: 0, mhz: 0 },
    memoryGiB: 0,
    disks: [],
    nics: [],
  };
}
