/**
 * A simulated machine: no thread, no process, just a state machine driven by the event loop.
 * It implements `Machine`, so the Redfish and IPMI emulators control it like real hardware.
 *
 *   power on ─▶ POST ─▶ boot device (override ▸ hdd ▸ pxe)
 *      pxe: DHCP via relay ─▶ TFTP boot file ─▶ iPXE DHCP (user class iPXE) ─▶ HTTP script
 *           ─▶ interpreter ─▶ kernel/initrd over HTTP ─▶ kernel boot ─▶ agent persona
 *           ─▶ image download + verify + disk write ─▶ callback ─▶ reboot ─▶ (loop)
 *      hdd: disk holds an image ─▶ boot from disk ─▶ ready (reports the image it runs)
 *      cd:  inserted virtual media fetched over HTTP ─▶ live boot ─▶ ready
 *
 * Invariants:
 * - Every power-off/reset aborts the running boot (one AbortController per boot); nothing of an
 *   aborted boot emits events afterwards.
 * - A one-time boot override is consumed when a boot *uses* it, as real BMCs report.
 * - Nothing large is retained: downloads are hashed and counted as they stream.
 *
 * This file holds power and the boot manager; the stages are plain functions over the node
 * (SimNodeCore): network-boot.ts (pxe/uefi-http), firmware-io.ts (DHCP/TFTP/HTTP as firmware
 * does them), agent-context.ts (what the agent persona may do).
 */
import type { EventBody, NodePhase, PowerState } from '../../base/event.ts';
import type { BootOverride, InsertedMedia, Inventory, Machine, PowerOp, PowerTiming } from '../../base/machine.ts';
import { NO_OVERRIDE } from '../../base/machine.ts';
import { sample, type Distribution } from '../../config/distribution.ts';
import type { NodeFaults } from '../../faults/fault-hooks.ts';
import type { DhcpPacket, PxeFirmware } from '../../proto/dhcp/dhcp-packet.ts';
import { ERRORS, FleetlabError, isFleetlabError } from '../../base/errors.ts';
import type { Rng } from '../../base/rng.ts';
import { firmwareFetch } from './firmware-io.ts';
import { networkBoot } from './network-boot.ts';
import type { BootDevice, BootResult, DiskImage, SimNodeCore, SimNodeInit } from './sim-node-core.ts';

export type { DiskImage, SimNodeInit } from './sim-node-core.ts';

/** After a power loss the machine comes back when AC returns (BIOS "restore last state"). */
const POWER_RESTORE_MS = 5000;

export class SimNode implements Machine, SimNodeCore {
  readonly id: string;
  bootOverride: BootOverride = { ...NO_OVERRIDE };
  readonly powerTiming: PowerTiming;
  /** What the disk holds; null when blank or when a write was interrupted. */
  disk: DiskImage | null = null;
  /** Current phase of the running boot, null when off or idle. */
  phase: NodePhase | null = null;
  /** Leased address of the current boot (the node's source address on the wire). */
  ip: string | null = null;

  private state: PowerState = 'off';
  private boot: AbortController | null = null;
  private inserted: InsertedMedia | null = null;
  private listeners: ((s: PowerState) => void)[] | null = null;
  private dhcpWaiter: { pred: (p: DhcpPacket) => boolean; resolve: (p: DhcpPacket | null) => void } | null = null;
  /** Wall ms this node's sleeps fired late since its last phase/ready/failed event (see lateMs in event.ts). */
  private lateMs = 0;
  readonly rng: Rng;
  readonly firmware: PxeFirmware;

  constructor(readonly init: SimNodeInit) {
    this.id = init.name;
    this.rng = init.env.rng.child(init.name);
    this.firmware = init.profile.firmware === 'bios' ? 'bios' : 'uefi';
    this.bootOverride.mode = init.profile.firmware === 'bios' ? 'legacy' : 'uefi';
    const shutdown = sample(init.profile.timings.shutdownMs, this.rng);
    this.powerTiming = { onMs: 0, offMs: 0, softOffMs: shutdown };
    init.env.relays.register(init.macs[0]!, init.site, (p) => this.onDhcpReply(p));
  }

  get name(): string {
    return this.init.name;
  }
  get site(): string {
    return this.init.site;
  }
  get faults(): NodeFaults {
    return this.init.faults;
  }

  // ── Machine ────────────────────────────────────────────────────────────────────────────────
  power(): PowerState {
    return this.state;
  }

  async setPower(op: PowerOp): Promise<void> {
    switch (op) {
      case 'on':
        if (this.state === 'on') return;
        this.powerOn('bmc');
        return;
      case 'off':
        if (this.state === 'off') return;
        this.powerOff('bmc');
        return;
      case 'soft-off':
        if (this.state === 'off') return;
        // ACPI shutdown: the OS takes a while; firmware without an OS ignores it (as real ones do).
        if (this.phase === 'ready' || this.phase === 'agent' || this.phase === 'boot') {
          await this.init.env.clock.sleep(this.powerTiming.softOffMs);
          if (this.state === 'on') this.powerOff('acpi');
        }
        return;
      case 'reset':
        if (this.state === 'off') return;
        this.startBoot('reset');
        return;
      case 'cycle':
        if (this.state === 'on') this.powerOff('bmc');
        await this.init.env.clock.sleep(1000);
        this.powerOn('bmc');
        return;
      case 'nmi':
        this.emit({ kind: 'node.error', node: this.init.name, code: 'NMI', message: 'NMI received (diagnostic interrupt)' });
        return;
    }
  }

  inventory(): Inventory {
    const p = this.init.profile;
    return {
      vendor: p.vendor,
      model: p.model,
      serial: this.init.serial,
      uuid: this.init.uuid,
      biosVersion: p.firmware === 'bios' ? '2.7.1' : '1.12.0',
      firmware: p.firmware,
      cpu: { ...p.cpu },
      memoryGiB: p.memoryGiB,
      disks: p.disks.map((d) => ({ ...d })),
      nics: this.init.macs.map((mac, i) => ({ name: `eno${i + 1}`, mac, speedMbps: p.nicSpeedMbps })),
    };
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
    (this.listeners ??= []).push(listener);
    return () => {
      this.listeners = this.listeners?.filter((l) => l !== listener) ?? null;
    };
  }

  /** Stop everything (run teardown). */
  shutdown(): void {
    this.boot?.abort();
    this.boot = null;
    this.init.env.relays.unregister(this.init.macs[0]!);
  }

  // ── power ──────────────────────────────────────────────────────────────────────────────────
  private powerOn(cause: string): void {
    this.state = 'on';
    this.emit({ kind: 'node.power', node: this.init.name, state: 'on', cause });
    this.notify();
    this.startBoot('power-on');
  }

  powerOff(cause: string): void {
    this.boot?.abort();
    this.boot = null;
    this.phase = null;
    this.ip = null;
    this.state = 'off';
    this.emit({ kind: 'node.power', node: this.init.name, state: 'off', cause });
    this.notify();
  }

  private notify(): void {
    if (this.listeners) for (const l of this.listeners) l(this.state);
  }

  private startBoot(_why: 'power-on' | 'reset'): void {
    this.boot?.abort();
    const ac = new AbortController();
    this.boot = ac;
    this.phase = null;
    this.firmwareLoop(ac.signal).catch((e: unknown) => {
      if (ac.signal.aborted || this.init.env.signal.aborted) return;
      this.emit({ kind: 'node.failed', node: this.init.name, phase: this.phase ?? 'power-on', code: errCode(e), message: errMessage(e) });
    });
  }

  // ── firmware ───────────────────────────────────────────────────────────────────────────────
  private async firmwareLoop(signal: AbortSignal): Promise<void> {
    let reboot = false;
    for (;;) {
      this.enter(reboot ? 'reboot' : 'power-on', signal);
      if (reboot) await this.sleep(sample(this.init.profile.timings.rebootMs, this.rng), signal);
      await this.sleep(sample(this.init.profile.timings.postMs, this.rng), signal);
      const outcome = await this.bootFromOrder(signal);
      if (outcome === 'reboot') {
        reboot = true;
        continue;
      }
      return;
    }
  }

  /**
   * Boot order: disk then network; an override goes first (consumed if Once). When the override
   * device hands back (iPXE `exit`, no media) the boot manager goes on with the normal order.
   */
  private async bootFromOrder(signal: AbortSignal): Promise<'reboot' | 'halt'> {
    const o = this.bootOverride;
    let order: BootDevice[] = ['hdd', 'pxe'];
    if (o.target !== 'none') {
      order = [o.target, ...order.filter((d) => d !== o.target)];
      if (o.once) this.bootOverride = { ...NO_OVERRIDE, mode: o.mode };
    }
    for (const dev of order) {
      const r = await this.bootDevice(dev, signal);
      if (r !== 'next') return r;
    }
    throw new FleetlabError('BOOT_NO_DEVICE', `no bootable device (tried ${order.join(', ')})`);
  }

  async bootDevice(dev: BootDevice, signal: AbortSignal): Promise<BootResult> {
    switch (dev) {
      case 'hdd':
        if (!this.disk) return 'next';
        this.enter('disk-boot', signal);
        this.emit({ kind: 'boot.disk', node: this.init.name, image: this.disk.name });
        await this.sleep(sample(this.init.profile.timings.diskBootMs, this.rng), signal);
        this.enter('ready', signal);
        this.emit({ kind: 'node.ready', node: this.init.name, image: this.disk.name });
        return 'halt';
      case 'pxe':
      case 'uefi-http':
        try {
          return await networkBoot(this, signal, dev === 'uefi-http' || this.bootOverride.httpBootUri !== undefined);
        } catch (e) {
          if (signal.aborted) throw e;
          // Firmware gives up on this device and tries the next one, as real ROMs do.
          this.emit({ kind: 'node.error', node: this.init.name, code: errCode(e), message: errMessage(e) });
          return 'next';
        }
      case 'cd':
        return this.cdBoot(signal);
      case 'bios':
        // Setup utility: the machine sits there until someone resets it.
        this.enter('power-on', signal);
        return 'halt';
      case 'none':
        return 'next';
    }
  }

  private async cdBoot(signal: AbortSignal): Promise<'halt' | 'next'> {
    const m = this.inserted;
    if (!m) return 'next';
    this.enter('kernel', signal);
    const r = await firmwareFetch(this, m.url, signal);
    if (r.status !== 200) throw new FleetlabError('HTTP_FETCH', `virtual media ${m.url}: HTTP ${r.status}`);
    this.enter('boot', signal);
    await this.sleep(sample(this.init.profile.timings.kernelBootMs, this.rng), signal);
    this.enter('ready', signal);
    this.emit({ kind: 'node.ready', node: this.init.name, image: `cd:${m.url}` });
    return 'halt';
  }

  // ── DHCP replies (the relay hub hands this node its replies by MAC) ──────────────────────────
  waitDhcp(pred: (p: DhcpPacket) => boolean, timeoutMs: number, signal: AbortSignal): Promise<DhcpPacket | null> {
    return new Promise((resolve) => {
      const done = (p: DhcpPacket | null) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.dhcpWaiter = null;
        resolve(p);
      };
      const onAbort = () => done(null);
      const timer = setTimeout(() => done(null), timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.dhcpWaiter = { pred, resolve: done };
    });
  }

  private onDhcpReply(p: DhcpPacket): void {
    const w = this.dhcpWaiter;
    if (w && w.pred(p)) w.resolve(p);
  }

  // ── phases, time, events ───────────────────────────────────────────────────────────────────
  enter(phase: NodePhase, signal: AbortSignal): void {
    signal.throwIfAborted();
    this.phase = phase;
    this.emit({ kind: 'node.phase', node: this.init.name, phase });
    if (this.init.faults.powerLossAtPhase === phase) {
      this.init.faults.powerLossAtPhase = undefined; // one cut per injection
      this.powerOff('power-loss');
      this.disk = phase === 'image' ? null : this.disk;
      this.init.env.clock.after(POWER_RESTORE_MS, () => {
        if (this.state === 'off' && !this.init.env.signal.aborted) this.powerOn('power-restored');
      });
      signal.throwIfAborted();
    }
  }

  /** A profile's per-request CPU cost (absent on most hardware: no timer, no await). */
  async requestOverhead(d: Distribution | undefined, signal: AbortSignal): Promise<void> {
    if (!d) return;
    const ms = sample(d, this.rng);
    if (ms > 0) await this.sleep(ms, signal);
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        cancel();
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      const clock = this.init.env.clock;
      const due = clock.now() + Math.max(0, ms * clock.timeScale);
      const cancel = clock.after(ms, () => {
        signal.removeEventListener('abort', onAbort);
        // How late the host ran this timer: not part of what the node models.
        if (clock.timeScale > 0) this.lateMs += Math.max(0, clock.now() - due);
        resolve();
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Protocol timeouts (DHCP backoff 4/8/16/32 s, TFTP retransmit) follow timeScale but keep at
   * least a quarter of their real value and the floor: the server under test answers in real
   * time, and a compressed run must not make firmware give up on a busy server that real
   * firmware would have waited for.
   */
  protoTimeout(ms: number): number {
    const env = this.init.env;
    return Math.max(env.minProtocolTimeoutMs, ms * Math.max(env.clock.timeScale, 0.25));
  }

  emit(b: EventBody): void {
    if ((b.kind === 'node.phase' || b.kind === 'node.ready' || b.kind === 'node.failed') && this.lateMs >= 0.05) {
      b = { ...b, lateMs: Math.round(this.lateMs * 10) / 10 };
    }
    if (b.kind === 'node.phase' || b.kind === 'node.ready' || b.kind === 'node.failed') this.lateMs = 0;
    this.init.env.events.emit(b);
  }
}

const errCode = (e: unknown) => (isFleetlabError(e) ? e.code : ERRORS.INTERNAL.code);
const errMessage = (e: unknown) => (e instanceof Error ? e.message : String(e));
