/**
 * A qemu VM fleetlab did not start, driven only through its QMP socket, behind the `Machine`
 * contract: what `fleetlab bmc serve --qmp SOCKET` puts its Redfish/IPMI emulators in front of,
 * so an existing VM becomes a "machine with a BMC" (the stand-in hardware of the hardware tier).
 *
 *   Redfish/IPMI ─▶ BmcSystem ─▶ QmpMachine ─QMP─▶ qemu (started by someone else)
 *                                     ◀─ STOP / RESUME (power) · RESET (boot began)
 *
 * Power: running = On, anything else (prelaunch of -S, paused, guest shutdown with
 * `-action shutdown=pause`) = Off; a power-on is system_reset + cont, as QemuNode does, so a
 * stopped VM boots from POST again. Boot override: the same bootindex re-ordering as the qemu
 * tier (boot-order.ts: needs the devices to carry fleetlab's ids vdisk/vnet/vcd, qemu-args.ts).
 * There is no serial console here to see the firmware pick a device, so a Once override reads as
 * consumed as soon as the boot that uses it starts, and the default order (disk first) is put
 * back once the VM has run `quietMs` without a RESET (SeaBIOS resets once more right after a
 * warm reset and must still see the override; a guest reboot minutes later must not).
 */
import type { PowerState } from '../../base/event.ts';
import { FleetlabError } from '../../base/errors.ts';
import { NO_OVERRIDE, type BootOverride, type Inventory, type Machine, type PowerOp, type PowerTiming } from '../../base/machine.ts';
import { applyBootOrder } from './boot-order.ts';
import { qemuInventory } from './qemu-tier.ts';
import { QmpClient, type QmpEvent } from './qmp-client.ts';

export interface QmpMachineOptions {
  /** Position among the served VMs (picks the serial number in the inventory). */
  index?: number;
  /** Run time without a RESET after which a consumed Once override's order is undone (default 10 s). */
  quietMs?: number;
  /** How long a soft-off (ACPI power button) may take before the VM is stopped anyway (default 30 s). */
  softOffMs?: number;
  /** A boot-order write that failed (the setter is synchronous, so failures arrive here). */
  onError?: (e: Error) => void;
}

export class QmpMachine implements Machine {
  readonly powerTiming: PowerTiming;
  private state: PowerState = 'off';
  private override: BootOverride = { ...NO_OVERRIDE, mode: 'legacy' };
  private orderChain: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<(s: PowerState) => void>();
  private restoreTimer: NodeJS.Timeout | undefined;
  private inv: Inventory;

  private constructor(
    readonly id: string,
    private readonly qmp: QmpClient,
    private readonly o: QmpMachineOptions,
  ) {
    this.powerTiming = { onMs: 0, offMs: 0, softOffMs: o.softOffMs ?? 30_000 };
    this.inv = qemuInventory({ index: o.index ?? 0, uuid: '00000000-0000-0000-0000-000000000000', macs: [] });
  }

  /** Connect to the VM's QMP socket, read its power state, UUID and NIC MAC. */
  static async connect(id: string, socketPath: string, o: QmpMachineOptions = {}): Promise<QmpMachine> {
    const qmp = new QmpClient(socketPath);
    await qmp.connect(10_000);
    const m = new QmpMachine(id, qmp, o);
    try {
      await m.init();
    } catch (e) {
      qmp.close();
      throw e;
    }
    return m;
  }

  private async init(): Promise<void> {
    const st = await this.qmp.execute<{ status: string }>('query-status');
    this.state = st.status === 'running' ? 'on' : 'off';
    const uuid = (await this.qmp.execute<{ UUID: string }>('query-uuid')).UUID;
    const mac = await this.qmp.execute<string>('qom-get', { path: '/machine/peripheral/vnet', property: 'mac' }).catch(() => null);
    this.inv = qemuInventory({ index: this.o.index ?? 0, uuid, macs: mac ? [mac] : [] });
    this.qmp.onEvent((e) => this.onQmpEvent(e));
    await this.applyOrder();
  }

  power(): PowerState {
    return this.state;
  }

  get bootOverride(): BootOverride {
    return this.override;
  }

  set bootOverride(v: BootOverride) {
    this.cancelRestore();
    this.override = { ...v };
    void this.applyOrder();
  }

  inventory(): Inventory {
    return this.inv;
  }

  onPowerChange(listener: (state: PowerState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async setPower(op: PowerOp): Promise<void> {
    if (this.qmp.closed) throw new FleetlabError('QEMU', `${this.id}: QMP connection closed (qemu exited?)`);
    switch (op) {
      case 'on':
        if (this.state === 'on') return;
        return this.boot();
      case 'off':
        if (this.state === 'off') return;
        await this.qmp.execute('stop');
        return this.setState('off');
      case 'soft-off':
        if (this.state === 'off') return;
        return this.softOff();
      case 'reset':
        if (this.state === 'off') return;
        return this.boot();
      case 'cycle':
        if (this.state === 'on') await this.qmp.execute('stop');
        this.setState('off');
        return this.boot();
      case 'nmi':
        if (this.state === 'on') await this.qmp.execute('inject-nmi').catch(() => {});
        return;
    }
  }

  /** Order the devices, reset, run; a Once override reads as consumed from here on. */
  private async boot(): Promise<void> {
    await this.applyOrder();
    await this.qmp.execute('system_reset');
    for (let i = 0; ; i++) {
      try {
        await this.qmp.execute('cont');
        break;
      } catch (e) {
        // qemu's main loop must run the reset before it accepts cont
        if (i >= 40 || !/Resetting the Virtual Machine is required/.test((e as Error).message)) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    this.setState('on');
    const o = this.override;
    if (o.target !== 'none' && o.once) {
      this.override = { ...NO_OVERRIDE, mode: o.mode };
      this.scheduleRestore();
    }
  }

  private async softOff(): Promise<void> {
    const off = new Promise<void>((resolve) => {
      const done = this.onPowerChange((s) => {
        if (s === 'off') finish();
      });
      const t = setTimeout(finish, this.powerTiming.softOffMs);
      function finish() {
        clearTimeout(t);
        done();
        resolve();
      }
    });
    await this.qmp.execute('system_powerdown');
    await off;
    if (this.state === 'on') {
      await this.qmp.execute('stop');
      this.setState('off');
    }
  }

  /** Put the no-override order back once the VM ran `quietMs` with no RESET (restarted by each RESET). */
  private scheduleRestore(): void {
    this.cancelRestore();
    this.restoreTimer = setTimeout(() => {
      this.restoreTimer = undefined;
      void this.applyOrder();
    }, this.o.quietMs ?? 10_000);
    this.restoreTimer.unref();
  }

  private cancelRestore(): void {
    if (this.restoreTimer) clearTimeout(this.restoreTimer);
    this.restoreTimer = undefined;
  }

  private applyOrder(): Promise<void> {
    const target = this.override.target === 'none' ? 'hdd' : this.override.target;
    this.orderChain = this.orderChain
      .then(() => applyBootOrder(this.qmp, target))
      .catch((e: Error) => this.o.onError?.(new FleetlabError('QEMU', `${this.id}: boot order: ${e.message}`)));
    return this.orderChain;
  }

  private onQmpEvent(e: QmpEvent): void {
    if (e.event === 'STOP' || (e.event === 'SHUTDOWN' && e.data?.guest === true)) this.setState('off');
    else if (e.event === 'RESUME') this.setState('on');
    else if (e.event === 'RESET' && this.restoreTimer) this.scheduleRestore();
  }

  private setState(s: PowerState): void {
    if (s === this.state) return;
    this.state = s;
    for (const l of this.listeners) l(s);
  }

  /** Disconnect (the VM keeps running: it is not ours). */
  close(): void {
    this.cancelRestore();
    this.qmp.close();
  }
}
