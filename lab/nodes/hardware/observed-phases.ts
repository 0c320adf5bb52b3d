/**
 * One hardware node's provisioning story, told only from what fleetlab can see from outside: BMC
 * power transitions (polled) and the boot traffic its MACs send through the site relay
 * (boot-traffic.ts). Emits the same event kinds and phases as sim and qemu nodes, never a phase
 * it did not see; a phase nothing can observe is said to be unobserved once, not guessed.
 *
 *   power on (BMC poll) ─▶ power-on ─▶ [no DHCP in powerOnToDhcpMs ─▶ node.failed HARDWARE_NO_PXE]
 *   DHCP (PXE) ─▶ dhcp   TFTP RRQ ─▶ tftp   DHCP (user class iPXE) ─▶ ipxe-dhcp   GET *.ipxe ─▶ script
 *   GET kernel/initrd ─▶ kernel   DHCP (installer) ─▶ agent   GET image ─▶ image   POST callback ─▶ callback
 *   callback answered 2xx ─▶ ready (by `readyOn: 'callback'`; the disk boot itself is not on the wire)
 *   DHCP (vendor class fleetlab-os: the installed OS's lease) ─▶ ignored (not a new PXE boot)
 */
import type { EventBody, NodePhase } from '../../base/event.ts';
import { ERRORS } from '../../base/errors.ts';
import { DHCP, type BootObservation } from './boot-traffic.ts';

export interface ObservedNodeOptions {
  node: string;
  site: string;
  emit: (e: EventBody) => void;
  now: () => number;
  /** From power-on to the first DHCP request before the node fails (HARDWARE_NO_PXE). */
  powerOnToDhcpMs: number;
}

const KERNELISH = /vmlinuz|kernel|bzimage|initrd|initramfs|\.cpio/i;

/** What no outside observer of a machine without a console or SSH check can see. */
export const UNOBSERVED_PHASES: readonly NodePhase[] = ['boot', 'reboot', 'disk-boot'];

export class ObservedNode {
  private phase: NodePhase | null = null;
  private pxeTimer: NodeJS.Timeout | undefined;
  private discoverAt = new Map<string, number>();
  private attempts = 0;
  private done = false;

  constructor(private readonly o: ObservedNodeOptions) {}

  /** The BMC reported a new power state (polled, so a short off-on may be missed). */
  power(state: 'on' | 'off', cause: string): void {
    this.o.emit({ kind: 'node.power', node: this.o.node, state, cause });
    if (state === 'off') return this.clearPxeTimer();
    this.done = false;
    this.enter('power-on');
    this.clearPxeTimer();
    this.pxeTimer = setTimeout(() => this.noPxe(), this.o.powerOnToDhcpMs);
    this.pxeTimer.unref();
  }

  see(ob: BootObservation): void {
    // The installed OS's own lease (the boot payload's disk boot, vendor class fleetlab-os) comes
    // after ready and is no PXE boot: it must not start a new provisioning of the node.
    if (ob.kind === 'dhcp' && ob.vendorClass?.startsWith('fleetlab-os') === true) return;
    if (this.done && !(ob.kind === 'dhcp' && ob.dir === 'request' && ob.type === DHCP.DISCOVER)) return;
    switch (ob.kind) {
      case 'dhcp':
        return this.dhcp(ob);
      case 'tftp':
        return this.enter('tftp');
      case 'http':
        if (ob.method === 'POST' && /callback/i.test(ob.path)) return this.enter('callback');
        if (/\.ipxe(\?|$)/.test(ob.path)) return this.enter('script');
        if (KERNELISH.test(ob.path)) return this.enter('kernel');
        if (this.phase === 'agent' || this.phase === 'image') return this.enter('image');
        return;
      case 'http-status':
        if (ob.method === 'POST' && /callback/i.test(ob.path) && ob.status >= 200 && ob.status < 300) this.ready();
        return;
    }
  }

  private dhcp(ob: Extract<BootObservation, { kind: 'dhcp' }>): void {
    this.clearPxeTimer();
    const installer = ob.vendorClass?.startsWith('fleetlab-installer') === true;
    const stage = ob.userClass === 'iPXE' ? 'ipxe' : 'pxe';
    const key = installer ? 'installer' : stage;
    const { node, site } = this.o;
    if (ob.dir === 'request' && ob.type === DHCP.DISCOVER) {
      this.done = false;
      this.discoverAt.set(key, this.o.now());
      this.enter(installer ? 'agent' : stage === 'ipxe' ? 'ipxe-dhcp' : 'dhcp');
      this.o.emit({ kind: 'dhcp.discover', node, site, stage, attempt: ++this.attempts });
    } else if (ob.dir === 'reply' && ob.type === DHCP.ACK && ob.ip) {
      const ms = this.o.now() - (this.discoverAt.get(key) ?? this.o.now());
      this.o.emit({ kind: 'dhcp.ack', node, site, stage, ip: ob.ip, ms, ...(ob.bootFile ? { bootFile: ob.bootFile } : {}) });
    }
  }

  private ready(): void {
    this.done = true;
    this.o.emit({ kind: 'node.ready', node: this.o.node });
    this.o.emit({ kind: 'log', level: 'info', code: 'FLEETLAB_HW_UNOBSERVED', msg: `hardware node ${this.o.node}: ready = the target accepted its install callback; phases ${UNOBSERVED_PHASES.join(', ')} are unobserved (no serial console over SOL, no SSH check)` });
  }

  private noPxe(): void {
    if (this.done || this.phase !== 'power-on') return;
    this.done = true;
    this.o.emit({ kind: 'node.failed', node: this.o.node, phase: 'power-on', code: ERRORS.HARDWARE_NO_PXE.code, message: `powered on, but no DHCP request from its boot MACs reached the site relay in ${this.o.powerOnToDhcpMs} ms (cabling, boot order, PXE disabled in firmware?)` });
  }

  private enter(p: NodePhase): void {
    if (p === this.phase) return;
    this.phase = p;
    this.o.emit({ kind: 'node.phase', node: this.o.node, phase: p });
  }

  private clearPxeTimer(): void {
    if (this.pxeTimer) clearTimeout(this.pxeTimer);
    this.pxeTimer = undefined;
  }

  close(): void {
    this.clearPxeTimer();
  }
}
