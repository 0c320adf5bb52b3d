/**
 * qemu node driver: one VM in its site's network namespace, driven over QMP, implementing the
 * same `Machine` interface as sim nodes so the Redfish/IPMI emulators sit in front unchanged.
 *
 *   BMC ─▶ setPower/bootOverride ─▶ QemuNode ─QMP─▶ qemu (-S: the process is the chassis)
 *                                        ◀─ SHUTDOWN/RESET events
 *   ttyS0 (stdout pipe) ─▶ SerialPhaseParser ─▶ node.phase / dhcp.* / http.* / agent.* / node.ready
 *
 * Power model: the qemu process lives from create() to close(); "off" = VM stopped (paused),
 * "on" = running. The boot device order always reflects the current override (qom-set
 * bootindex whenever the override changes); qemu captures it into fw_cfg at each reset. When
 * SeaBIOS announces its choice on the serial console ("Booting from …") the driver records the
 * boot, consumes a Once override and applies the order for the NEXT reset (not at the RESET
 * event: SeaBIOS hard-resets once more after a warm reset, and must still see the override).
 * `-action shutdown=pause` keeps the process (chassis) when the guest powers off.
 * Default order (no override): disk, network, cd — a blank disk falls through to PXE like a new
 * server. Running VMs are admitted by a VmScheduler (maxConcurrentVMs); waiting is queue time.
 * The command line is qemu-args.ts, the bootindex order per override boot-order.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventBody, EventSink, PowerState } from '../../base/event.ts';
import type { NodeFaults } from '../../faults/fault-hooks.ts';
import { ERRORS, FleetlabError } from '../../base/errors.ts';
import type { QemuSite } from '../../net/netns/qemu-site.ts';
import { killAndWait } from '../../net/netns/kill.ts';
import { guardOnExit } from '../../net/netns/exit-guard.ts';
import { shSyncQuiet } from '../../net/netns/sh.ts';
import { NO_OVERRIDE, type BootOverride, type BootTarget, type InsertedMedia, type Inventory, type Machine, type PowerOp, type PowerTiming } from '../../base/machine.ts';
import { resolveAccel, type AccelPref } from './accel.ts';
import { applyBootOrder } from './boot-order.ts';
import { qemuArgs } from './qemu-args.ts';
import { QmpClient, type QmpEvent } from './qmp-client.ts';
import { SerialPhaseParser } from './serial-phases.ts';
import type { VmScheduler } from './vm-scheduler.ts';
import { VmSlot } from './vm-slot.ts';
import { powerOffOrTimeout } from './power-off-wait.ts';

export interface QemuNodeOptions {
  name: string;
  site: QemuSite;
  /** TAP index in the site (unique per site). */
  slot: number;
  mac: string;
  uuid: string;
  inventory: Inventory;
  /** Per-node directory: disk, QMP socket, serial log. */
  workDir: string;
  events: EventSink;
  scheduler: VmScheduler;
  memoryMiB?: number;
  /** Virtual disk size (sparse raw file). */
  diskBytes?: number;
  accel?: AccelPref;
  /** How long a soft-off (ACPI power button) may take before setPower resolves anyway. */
  softOffMs?: number;
  persona?: string;
  /** ms clock for event durations (default performance.now). */
  now?: () => number;
  /**
   * The node's fault hooks (lab/faults). A VM honours the one that is a machine event,
   * `powerLossAtPhase`: power is cut the moment the console shows that phase and comes back
   * after `powerRestoreMs`. The others act on sim nodes' protocol stacks.
   */
  faults?: Pick<NodeFaults, 'powerLossAtPhase'>;
  powerRestoreMs?: number;
}

export class QemuNode implements Machine {
  readonly id: string;
  private override: BootOverride = { ...NO_OVERRIDE, mode: 'legacy' };
  private orderChain: Promise<void> = Promise.resolve();
  readonly powerTiming: PowerTiming = { onMs: 0, offMs: 0, softOffMs: 30_000 };
  readonly diskPath: string;
  readonly serialLogPath: string;
  /** What each boot used (tests and reports). */
  readonly boots: { device: BootTarget; consumedOnce: boolean; at: number }[] = [];
  private proc: ChildProcess | null = null;
  private qmp: QmpClient | null = null;
  private state: PowerState = 'off';
  private inserted: InsertedMedia | null = null;
  private readonly listeners = new Set<(s: PowerState) => void>();
  private readonly parser: SerialPhaseParser;
  private serialLog: WriteStream | null = null;
  private readonly slot: VmSlot;
  private tap: string | null = null;
  private closing = false;
  private stderrTail = '';
  private unguard: () => void = () => {};
  /** A reset happened and SeaBIOS has not yet announced which device it boots. */
  private bootPending = false;
  private readonly now: () => number;

  private constructor(private readonly o: QemuNodeOptions) {
    this.id = o.name;
    this.diskPath = join(o.workDir, 'disk.raw');
    this.serialLogPath = join(o.workDir, 'serial.log');
    this.now = o.now ?? (() => performance.now());
    this.slot = new VmSlot(o.scheduler, this.now);
    this.parser = new SerialPhaseParser({ node: o.name, site: o.site.site, now: this.now, persona: o.persona, emit: (e) => this.onParsed(e), onBootChoice: () => this.onBootChoice() });
  }

  static async create(o: QemuNodeOptions): Promise<QemuNode> {
    const n = new QemuNode(o);
    try {
      await n.start();
    } catch (e) {
      await n.close();
      throw e;
    }
    return n;
  }

  /** Image name the VM reported after its last disk boot (null until ready). */
  get readyImage(): string | null {
    return this.parser.readyImage;
  }

  private async start(): Promise<void> {
    const o = this.o;
    await mkdir(o.workDir, { recursive: true });
    const fh = await open(this.diskPath, 'w');
    await fh.truncate(o.diskBytes ?? 2 * 1024 ** 3); // sparse: blank disk = not bootable
    await fh.close();
    this.tap = await o.site.addTap(o.slot);
    const accel = await resolveAccel(o.accel);
    const qmpPath = join(o.workDir, 'qmp.sock');
    await rm(qmpPath, { force: true });
    this.serialLog = createWriteStream(this.serialLogPath);
    const args = qemuArgs({
      ns: o.site.ns,
      vmName: `${o.site.names.ns}-${o.name}`,
      accel,
      memoryMiB: o.memoryMiB ?? 256,
      qmpPath,
      uuid: o.uuid,
      inventory: o.inventory,
      diskPath: this.diskPath,
      tap: this.tap,
      mac: o.mac,
    });
    // detached: a terminal's SIGINT goes to fleetlab only; teardown kills qemu by PID.
    const p = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.proc = p;
    const pid = p.pid;
    this.unguard = guardOnExit(() => {
      if (pid) shSyncQuiet('kill', ['-9', String(pid)]);
    });
    p.stdout!.on('data', (d: Buffer) => {
      this.serialLog?.write(d);
      this.parser.feed(d.toString('latin1'));
    });
    p.stderr!.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-2000);
    });
    p.once('exit', (code, sig) => this.onExit(code, sig));
    const qmp = new QmpClient(qmpPath);
    const exited = new Promise<never>((_, reject) => p.once('exit', () => reject(new FleetlabError('QEMU', `qemu for ${o.name} exited at start: ${this.stderrTail.trim()}`))));
    exited.catch(() => {});
    await Promise.race([qmp.connect(15_000), exited]);
    this.qmp = qmp;
    qmp.onEvent((e) => this.onQmpEvent(e));
    await this.applyOrder();
  }

  power(): PowerState {
    return this.state;
  }

  get bootOverride(): BootOverride {
    return this.override;
  }

  /** A BMC setting the override re-orders the boot devices now; SeaBIOS reads the order at the next reset. */
  set bootOverride(v: BootOverride) {
    this.override = { ...v };
    void this.applyOrder();
  }

  /** Serialized qom-set of bootindex for the current override (fw_cfg bootorder is captured at reset). */
  private applyOrder(): Promise<void> {
    const target = this.override.target === 'none' ? 'hdd' : this.override.target;
    this.orderChain = this.orderChain.then(async () => {
      if (this.qmp) await applyBootOrder(this.qmp, target);
    }).catch((e: Error) => this.emit({ kind: 'node.error', node: this.id, code: ERRORS.QEMU.code, message: `boot order: ${e.message}` }));
    return this.orderChain;
  }

  inventory(): Inventory {
    return this.o.inventory;
  }

  onPowerChange(listener: (state: PowerState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  insertMedia(media: InsertedMedia): void {
    this.inserted = { ...media };
    const file = media.url.startsWith('file://') ? new URL(media.url).pathname : media.url.startsWith('/') ? media.url : null;
    if (!file) {
      this.emit({ kind: 'node.error', node: this.id, code: ERRORS.QEMU.code, message: `virtual media ${media.url}: only local files (file:// or absolute paths) can be inserted into a qemu node` });
      return;
    }
    this.qmp?.execute('blockdev-change-medium', { id: 'vcd', filename: file, format: 'raw' }).catch((e: Error) => this.emit({ kind: 'node.error', node: this.id, code: ERRORS.QEMU.code, message: e.message }));
  }

  ejectMedia(): void {
    this.inserted = null;
    this.qmp?.execute('eject', { id: 'vcd', force: true }).catch(() => {});
  }

  media(): InsertedMedia | null {
    return this.inserted;
  }

  async setPower(op: PowerOp): Promise<void> {
    if (!this.qmp) throw new FleetlabError('QEMU', `node ${this.id}: qemu is not running`);
    switch (op) {
      case 'on':
        if (this.state === 'on') return;
        this.setState('on', 'power-on');
        this.admitAndBoot();
        return;
      case 'off':
        if (this.state === 'off') return;
        await this.hardOff('power-off');
        return;
      case 'soft-off': {
        if (this.state === 'off') return;
        if (!this.slot.held) return this.hardOff('soft-off while queued');
        const off = powerOffOrTimeout(this, this.powerTiming.softOffMs);
        await this.qmp.execute('system_powerdown');
        await off;
        return;
      }
      case 'reset':
        if (this.state === 'off') return;
        if (!this.slot.held) return; // still queued: the boot has not begun
        await this.boot('reset');
        return;
      case 'cycle':
        if (this.state === 'on') await this.hardOff('power-cycle');
        this.setState('on', 'power-cycle');
        this.admitAndBoot();
        return;
      case 'nmi':
        if (this.state === 'on') await this.qmp.execute('inject-nmi').catch(() => {});
        return;
    }
  }

  /** Wait for a VM slot (queue time), then boot. Power state already reads On (chassis on, waiting). */
  private admitAndBoot(): void {
    this.slot.request(
      () => this.state === 'on' && !this.closing,
      (waited) => {
        if (waited > 50) this.emit({ kind: 'log', level: 'info', msg: `qemu: ${this.id} waited ${waited} ms for a VM slot (maxConcurrentVMs ${this.o.scheduler.max})`, code: 'FLEETLAB_QEMU_QUEUE' });
        this.boot('power-on').catch((e: Error) => this.emit({ kind: 'node.error', node: this.id, code: ERRORS.QEMU.code, message: e.message }));
      },
    );
  }

  private async hardOff(cause: string): Promise<void> {
    this.slot.free();
    await this.qmp?.execute('stop').catch(() => {});
    this.setState('off', cause);
  }

  /** A host-initiated boot (power on / reset / cycle): order devices, reset, run. */
  private async boot(cause: string): Promise<void> {
    const qmp = this.qmp!;
    await this.applyOrder();
    this.parser.newBoot();
    this.parser.enter('power-on');
    if (cause !== 'power-on') this.emit({ kind: 'log', level: 'info', msg: `qemu: ${this.id} boot (${cause})` });
    await qmp.execute('system_reset'); // → RESET event → onReset() consumes a Once override
    for (let i = 0; ; i++) {
      try {
        await qmp.execute('cont');
        return;
      } catch (e) {
        // the reset is processed by qemu's main loop; cont is refused until it ran
        if (i >= 40 || !/Resetting the Virtual Machine is required/.test((e as Error).message)) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /**
   * Every reset (host or guest) restarts POST. SeaBIOS may itself hard-reset once more after a
   * warm reset (seen as a second RESET ~100 ms later), so the order must stay until it actually
   * chose a device: the Once override is consumed at "Booting from …" (onBootChoice), not here.
   */
  private onReset(guest: boolean): void {
    if (guest) this.parser.newBoot(true); // a guest reboot continues the same provisioning story
    this.bootPending = true;
  }

  /** SeaBIOS read the boot order and picked a device: record the boot, consume a Once override. */
  private onBootChoice(): void {
    if (!this.bootPending) return; // later fall-through choices (iPXE exit → disk) are the same boot
    this.bootPending = false;
    const o = this.override;
    const device: BootTarget = o.target === 'none' ? 'hdd' : o.target;
    const consumedOnce = o.target !== 'none' && o.once;
    this.boots.push({ device, consumedOnce, at: this.now() });
    if (consumedOnce) {
      this.override = { ...NO_OVERRIDE, mode: o.mode };
      void this.applyOrder(); // for the NEXT reset; fw_cfg already served this boot's order
    }
  }

  private onQmpEvent(e: QmpEvent): void {
    if (e.event === 'RESET') return this.onReset(e.data?.guest === true);
    if (e.event !== 'SHUTDOWN' || e.data?.guest !== true) return;
    const reason = String(e.data.reason ?? '');
    // guest-shutdown / guest-panic (paused by -action shutdown=pause): the chassis is off.
    this.slot.free();
    if (this.state === 'on') this.setState('off', reason);
  }

  private onParsed(e: EventBody): void {
    this.emit(e);
    const f = this.o.faults;
    if (e.kind === 'node.phase' && f?.powerLossAtPhase === e.phase) {
      f.powerLossAtPhase = undefined; // one cut per injection, as on sim nodes
      void this.powerLoss();
      return;
    }
    // A node that reached ready (or failed) idles: its CPU slot goes to the next queued boot.
    if (e.kind === 'node.ready' || e.kind === 'node.failed') this.slot.free();
  }

  /** A power cut from a fault: off now (whatever the guest was writing stays half-written), back on later. */
  private async powerLoss(): Promise<void> {
    try {
      await this.hardOff('power-loss');
      const t = setTimeout(() => {
        if (this.state === 'off' && !this.closing) this.setPower('on').catch((e: Error) => this.emit({ kind: 'node.error', node: this.id, code: ERRORS.QEMU.code, message: `power restore: ${e.message}` }));
      }, this.o.powerRestoreMs ?? 5000);
      t.unref();
    } catch (e) {
      this.emit({ kind: 'node.error', node: this.id, code: ERRORS.QEMU.code, message: `power loss: ${(e as Error).message}` });
    }
  }

  private onExit(code: number | null, sig: NodeJS.Signals | null): void {
    this.unguard();
    this.slot.free();
    this.qmp?.close();
    this.qmp = null;
    if (!this.closing) {
      this.emit({ kind: 'node.error', node: this.id, code: ERRORS.QEMU.code, message: `qemu exited (${sig ?? code}): ${this.stderrTail.trim() || this.parser.tail.slice(-3).join(' | ')}` });
      if (this.state === 'on') this.setState('off', 'qemu-exit');
    }
  }

  private setState(s: PowerState, cause: string): void {
    if (this.state === s) return;
    this.state = s;
    this.emit({ kind: 'node.power', node: this.id, state: s, cause });
    for (const l of this.listeners) l(s);
  }

  private emit(e: EventBody): void {
    this.o.events.emit(e);
  }

  /** Quit qemu (QMP quit, then SIGTERM/SIGKILL by PID) and remove the TAP. Idempotent. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.slot.free();
    const p = this.proc;
    if (p && p.exitCode === null && p.signalCode === null) {
      const exited = new Promise<void>((r) => p.once('exit', () => r()));
      await this.qmp?.execute('quit').catch(() => {});
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
      await killAndWait(p, 1000);
    }
    this.qmp?.close();
    this.qmp = null;
    this.unguard();
    await new Promise<void>((r) => (this.serialLog ? this.serialLog.end(() => r()) : r()));
    this.serialLog = null;
    if (this.tap) await this.o.site.removeTap(this.tap);
    this.tap = null;
    // The disk is a 2 GiB sparse file: never leave it in a run directory.
    await rm(this.diskPath, { force: true });
    await rm(join(this.o.workDir, 'qmp.sock'), { force: true });
  }
}

/** Library entry point: a qemu VM as a Machine (see QemuNode). */
export function createQemuNode(o: QemuNodeOptions): Promise<QemuNode> {
  return QemuNode.create(o);
}
