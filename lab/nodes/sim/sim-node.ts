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
 */
import { createHash } from 'node:crypto';
import type { EventBody, NodePhase, PowerState } from '../../base/event.ts';
import type { BootOverride, InsertedMedia, Inventory, Machine, PowerOp, PowerTiming } from '../../base/machine.ts';
import { NO_OVERRIDE } from '../../base/machine.ts';
import type { HardwareProfile } from '../../config/hardware-profile.ts';
import { sample, type Distribution } from '../../config/distribution.ts';
import type { SiteLink } from '../../net/site-link.ts';
import type { NodeFaults } from '../../faults/fault-hooks.ts';
import type { DhcpPacket, PxeFirmware } from '../../proto/dhcp/dhcp-packet.ts';
import { tftpGet } from '../../proto/tftp/tftp-client.ts';
import { runIpxeScript } from '../../proto/ipxe/ipxe-interpreter.ts';
import type { IpxeHost } from '../../proto/ipxe/ipxe-interpreter.ts';
import { ERRORS, FleetlabError, isFleetlabError } from '../../base/errors.ts';
import { dhcpExchange, type DhcpLease } from '../../proto/dhcp/dhcp-client.ts';
import { nodeHttp } from './node-http.ts';
import type { SimEnv } from './sim-env.ts';
import type { AgentContext, AgentOutcome } from './agent-persona.ts';
import type { Rng } from '../../base/rng.ts';

export interface SimNodeInit {
  name: string;
  site: string;
  uuid: string;
  macs: string[];
  serial: string;
  profile: HardwareProfile;
  link: SiteLink;
  faults: NodeFaults;
  env: SimEnv;
}

export interface DiskImage {
  name: string;
  digest: string;
  bytes: number;
}

/** After a power loss the machine comes back when AC returns (BIOS "restore last state"). */
const POWER_RESTORE_MS = 5000;

export class SimNode implements Machine {
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
  private readonly rng: Rng;
  private readonly firmware: PxeFirmware;

  constructor(private readonly n: SimNodeInit) {
    this.id = n.name;
    this.rng = n.env.rng.child(n.name);
    this.firmware = n.profile.firmware === 'bios' ? 'bios' : 'uefi';
    this.bootOverride.mode = n.profile.firmware === 'bios' ? 'legacy' : 'uefi';
    const shutdown = sample(n.profile.timings.shutdownMs, this.rng);
    this.powerTiming = { onMs: 0, offMs: 0, softOffMs: shutdown };
    n.env.relays.register(n.macs[0]!, n.site, (p) => this.onDhcpReply(p));
  }

  get name(): string {
    return this.n.name;
  }
  get site(): string {
    return this.n.site;
  }
  get faults(): NodeFaults {
    return this.n.faults;
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
          await this.n.env.clock.sleep(this.powerTiming.softOffMs);
          if (this.state === 'on') this.powerOff('acpi');
        }
        return;
      case 'reset':
        if (this.state === 'off') return;
        this.startBoot('reset');
        return;
      case 'cycle':
        if (this.state === 'on') this.powerOff('bmc');
        await this.n.env.clock.sleep(1000);
        this.powerOn('bmc');
        return;
      case 'nmi':
        this.emit({ kind: 'node.error', node: this.n.name, code: 'NMI', message: 'NMI received (diagnostic interrupt)' });
        return;
    }
  }

  inventory(): Inventory {
    const p = this.n.profile;
    return {
      vendor: p.vendor,
      model: p.model,
      serial: this.n.serial,
      uuid: this.n.uuid,
      biosVersion: p.firmware === 'bios' ? '2.7.1' : '1.12.0',
      firmware: p.firmware,
      cpu: { ...p.cpu },
      memoryGiB: p.memoryGiB,
      disks: p.disks.map((d) => ({ ...d })),
      nics: this.n.macs.map((mac, i) => ({ name: `eno${i + 1}`, mac, speedMbps: p.nicSpeedMbps })),
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
    this.n.env.relays.unregister(this.n.macs[0]!);
  }

  // ── power ──────────────────────────────────────────────────────────────────────────────────
  private powerOn(cause: string): void {
    this.state = 'on';
    this.emit({ kind: 'node.power', node: this.n.name, state: 'on', cause });
    this.notify();
    this.startBoot('power-on');
  }

  private powerOff(cause: string): void {
    this.boot?.abort();
    this.boot = null;
    this.phase = null;
    this.ip = null;
    this.state = 'off';
    this.emit({ kind: 'node.power', node: this.n.name, state: 'off', cause });
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
      if (ac.signal.aborted || this.n.env.signal.aborted) return;
      this.emit({ kind: 'node.failed', node: this.n.name, phase: this.phase ?? 'power-on', code: errCode(e), message: errMessage(e) });
    });
  }

  // ── firmware ───────────────────────────────────────────────────────────────────────────────
  private async firmwareLoop(signal: AbortSignal): Promise<void> {
    let reboot = false;
    for (;;) {
      this.enter(reboot ? 'reboot' : 'power-on', signal);
      if (reboot) await this.sleep(sample(this.n.profile.timings.rebootMs, this.rng), signal);
      await this.sleep(sample(this.n.profile.timings.postMs, this.rng), signal);
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
    let order: BootOverride['target'][] = ['hdd', 'pxe'];
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

  private async bootDevice(dev: BootOverride['target'], signal: AbortSignal): Promise<'reboot' | 'halt' | 'next'> {
    switch (dev) {
      case 'hdd':
        if (!this.disk) return 'next';
        this.enter('disk-boot', signal);
        this.emit({ kind: 'boot.disk', node: this.n.name, image: this.disk.name });
        await this.sleep(sample(this.n.profile.timings.diskBootMs, this.rng), signal);
        this.enter('ready', signal);
        this.emit({ kind: 'node.ready', node: this.n.name, image: this.disk.name });
        return 'halt';
      case 'pxe':
      case 'uefi-http':
        try {
          return await this.networkBoot(signal, dev === 'uefi-http' || this.bootOverride.httpBootUri !== undefined);
        } catch (e) {
          if (signal.aborted) throw e;
          // Firmware gives up on this device and tries the next one, as real ROMs do.
          this.emit({ kind: 'node.error', node: this.n.name, code: errCode(e), message: errMessage(e) });
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
    const r = await this.fetch(m.url, signal);
    if (r.status !== 200) throw new FleetlabError('HTTP_FETCH', `virtual media ${m.url}: HTTP ${r.status}`);
    this.enter('boot', signal);
    await this.sleep(sample(this.n.profile.timings.kernelBootMs, this.rng), signal);
    this.enter('ready', signal);
    this.emit({ kind: 'node.ready', node: this.n.name, image: `cd:${m.url}` });
    return 'halt';
  }

  private async networkBoot(signal: AbortSignal, httpBoot: boolean): Promise<'reboot' | 'halt' | 'next'> {
    const env = this.n.env;
    const fw: PxeFirmware = httpBoot ? 'uefi-http' : this.firmware;
    let lease2: DhcpLease;
    if (this.n.profile.nicRom === 'ipxe' && !httpBoot) {
      // The NIC ROM is iPXE itself: its first DHCP already says iPXE, so the script comes next.
      this.enter('dhcp', signal);
      lease2 = await this.dhcp('ipxe', fw, signal);
    } else {
      // 1. PXE ROM (or UEFI HTTP boot client) DHCP through the site relay.
      this.enter('dhcp', signal);
      const lease = await this.dhcp('pxe', fw, signal);
      this.ip = lease.ip;
      if (!lease.bootFile) throw new FleetlabError('BOOT_NO_DEVICE', 'DHCP answer carries no boot file (PXE-E53)');
      // 2. Boot file: TFTP (PXE) or HTTP (UEFI HTTP boot).
      this.enter('tftp', signal);
      if (/^https?:\/\//.test(lease.bootFile)) await this.fetch(lease.bootFile, signal);
      else await this.tftp({ host: lease.nextServer || '127.0.0.1', port: env.tftpPort }, lease.bootFile, signal);
      // 3. iPXE runs: its own DHCP (user class iPXE) gets the script URL.
      this.enter('ipxe-dhcp', signal);
      lease2 = await this.dhcp('ipxe', fw, signal);
    }
    this.ip = lease2.ip;
    this.enter('script', signal);
    const scriptUrl = /^https?:\/\//.test(lease2.bootFile) ? lease2.bootFile : `tftp://${lease2.nextServer}/${lease2.bootFile}`;
    const first = await this.fetch(scriptUrl, signal, true);
    if (first.status !== 200) throw new FleetlabError('HTTP_FETCH', `${scriptUrl}: HTTP ${first.status}`);
    let kernelEntered = false;
    const host: IpxeHost = {
      vars: this.ipxeVars(lease2),
      dhcp: async () => {
        const l = await this.dhcp('ipxe', fw, signal);
        this.ip = l.ip;
        host.vars.set('ip', l.ip);
        host.vars.set('net0/ip', l.ip);
        return true;
      },
      fetch: async (url) => {
        const r = await this.fetch(url, signal, true, () => {
          if (!kernelEntered) {
            kernelEntered = true;
            this.enter('kernel', signal);
          }
        });
        return { status: r.status, body: r.body };
      },
      sleep: (ms) => this.sleep(ms, signal),
      echo: () => {},
      error: (code, message) => this.emit({ kind: 'node.error', node: this.n.name, code, message }),
    };
    const outcome = await runIpxeScript(first.body.toString('latin1'), host, { baseUrl: scriptUrl });
    signal.throwIfAborted();
    switch (outcome.kind) {
      case 'failed':
        throw new FleetlabError('IPXE_SCRIPT', `${scriptUrl}: ${outcome.message}`);
      case 'exit':
        if (outcome.reason === 'reboot') return 'reboot';
        if (outcome.reason === 'poweroff') {
          this.powerOff('ipxe');
          return 'halt';
        }
        // `exit` hands control back to the firmware: next boot device (usually the disk).
        return 'next';
      case 'sanboot':
        return this.bootDevice('hdd', signal);
      case 'boot':
        break;
    }
    // 4. Kernel boot; then the persona the target wants.
    this.enter('boot', signal);
    this.emit({ kind: 'boot.kernel', node: this.n.name, cmdline: outcome.kernel.args });
    await this.sleep(sample(this.n.profile.timings.kernelBootMs, this.rng), signal);
    this.enter('agent', signal);
    const persona = env.persona(this.n.name);
    this.emit({ kind: 'agent.start', node: this.n.name, persona: persona.name });
    const result: AgentOutcome = await persona.run(this.agentContext(outcome.kernel.args, signal));
    signal.throwIfAborted();
    switch (result.kind) {
      case 'reboot':
        return 'reboot';
      case 'poweroff':
        return 'halt';
      case 'failed':
        throw new FleetlabError('AGENT', `${persona.name}: ${result.code}: ${result.message}`);
    }
  }

  private ipxeVars(lease: DhcpLease): Map<string, string> {
    const mac = this.n.macs[0]!;
    const inv = this.n.profile;
    return new Map([
      ['mac', mac],
      ['net0/mac', mac],
      ['ip', lease.ip],
      ['net0/ip', lease.ip],
      ['uuid', this.n.uuid],
      ['hostname', this.n.name],
      ['serial', this.n.serial],
      ['manufacturer', inv.vendor],
      ['product', inv.model],
      ['buildarch', 'x86_64'],
      ['platform', this.firmware === 'bios' ? 'pcbios' : 'efi'],
      ['next-server', lease.nextServer],
      ['filename', lease.bootFile],
    ]);
  }

  // ── I/O helpers ────────────────────────────────────────────────────────────────────────────
  private async dhcp(stage: 'pxe' | 'ipxe', fw: PxeFirmware, signal: AbortSignal): Promise<DhcpLease> {
    const env = this.n.env;
    const lease = await dhcpExchange(
      {
        mac: this.n.macs[0]!,
        uuid: this.n.uuid,
        firmware: fw,
        site: this.n.site,
        node: this.n.name,
        xid: () => this.rng.int(1, 0x7fffffff),
        send: (p) => env.relays.send(this.n.site, p, `${this.n.site}/${this.n.name}`),
        waitReply: (pred, timeoutMs) => this.waitDhcp(pred, timeoutMs, signal),
        timeout: (ms) => this.protoTimeout(ms),
        onDiscover: (attempt) => this.emit({ kind: 'dhcp.discover', node: this.n.name, site: this.n.site, stage, attempt }),
        onOffer: (ip, ms) => this.emit({ kind: 'dhcp.offer', node: this.n.name, site: this.n.site, stage, ip, ms: round(ms) }),
        dropped: () => this.n.faults.dhcpDropRate > 0 && this.rng.next() < this.n.faults.dhcpDropRate,
      },
      stage,
    );
    signal.throwIfAborted();
    this.emit({ kind: 'dhcp.ack', node: this.n.name, site: this.n.site, stage, ip: lease.ip, ms: round(lease.ms), bootFile: lease.bootFile, nextServer: lease.nextServer });
    return lease;
  }

  private waitDhcp(pred: (p: DhcpPacket) => boolean, timeoutMs: number, signal: AbortSignal): Promise<DhcpPacket | null> {
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

  /**
   * A TFTP read as the firmware does it (blksize 1468 + tsize, retransmits), through the site
   * link and the node's TFTP drop fault; `onData` sees the bytes (boot files are only counted).
   * `label` names the transfer in the tftp.done event (the file, or the tftp:// URL).
   */
  private async tftp(server: { host: string; port: number }, file: string, signal: AbortSignal, onData: (c: Buffer) => void = () => {}, label = file): Promise<number> {
    const release = await this.n.env.tftpSlots.acquire();
    try {
      signal.throwIfAborted();
      // The drop rate is read per packet: a tftp-drop window may open or close mid-transfer.
      const link = dropLink(this.n.link, this.n.faults, this.rng);
      const r = await tftpGet({
        server,
        file,
        blksize: 1468,
        tsize: true,
        timeoutMs: this.protoTimeout(2000),
        retries: 6,
        localAddress: this.ip ?? undefined,
        link,
        onData,
        signal,
      });
      this.emit({ kind: 'tftp.done', node: this.n.name, file: label, bytes: r.bytes, ms: round(r.ms), blksize: r.blksize });
      return r.bytes;
    } finally {
      release();
    }
  }

  /**
   * GET through the site link from the node's address. Bodies that look like iPXE scripts are
   * kept (the interpreter needs them); anything else is only counted and hashed.
   */
  private async fetch(url: string, signal: AbortSignal, keepScripts = false, onBinary?: () => void): Promise<{ status: number; body: Buffer; bytes: number }> {
    if (url.startsWith('tftp://')) {
      const u = new URL(url);
      const chunks: Buffer[] = [];
      const server = { host: u.hostname, port: u.port ? Number(u.port) : this.n.env.tftpPort };
      const bytes = await this.tftp(server, decodeURIComponent(u.pathname.slice(1)), signal, (c) => chunks.push(c), url);
      return { status: 200, body: Buffer.concat(chunks), bytes };
    }
    await this.requestOverhead(this.n.profile.timings.firmwareRequestMs, signal);
    const release = await this.n.env.httpSlots.acquire();
    try {
      let head: Buffer | null = null;
      let script = false;
      const kept: Buffer[] = [];
      const r = await nodeHttp({
        url,
        localAddress: this.ip ?? undefined,
        link: this.n.link,
        signal,
        onChunk: (c) => {
          if (head === null) {
            head = c;
            script = keepScripts && c.subarray(0, 6).toString('latin1') === '#!ipxe';
            if (!script) onBinary?.();
          }
          if (script) kept.push(c);
        },
      });
      this.emit({ kind: 'http.done', node: this.n.name, url, bytes: r.bytes, ms: round(r.ms), status: r.status });
      return { status: r.status, body: script ? Buffer.concat(kept) : Buffer.alloc(0), bytes: r.bytes };
    } finally {
      release();
    }
  }

  private agentContext(cmdline: string, signal: AbortSignal): AgentContext {
    const n = this.n;
    return {
      node: { name: n.name, site: n.site, uuid: n.uuid, macs: n.macs, ip: this.ip ?? '' },
      cmdline,
      args: parseCmdline(cmdline),
      signal,
      emit: (b) => this.emit(b),
      phase: (p) => this.enter(p, signal),
      sleep: (ms) => this.sleep(ms, signal),
      http: async (method, url, body, headers) => {
        await this.requestOverhead(n.profile.timings.agentRequestMs, signal);
        const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
        const r = await nodeHttp({
          method,
          url,
          body: payload,
          headers: { ...(body !== undefined && !Buffer.isBuffer(body) && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}), ...headers },
          localAddress: this.ip ?? undefined,
          link: n.link,
          signal,
        });
        return { status: r.status, headers: r.headers, body: r.body };
      },
      downloadImage: async (url, expected) => {
        await this.requestOverhead(n.profile.timings.agentRequestMs, signal);
        const release = await n.env.httpSlots.acquire();
        try {
          const hash = createHash(expected?.algo ?? 'sha256');
          const r = await nodeHttp({ url, localAddress: this.ip ?? undefined, link: n.link, faults: n.faults, signal, onChunk: (c) => hash.update(c) });
          const digest = hash.digest('hex');
          const ok = r.status === 200 && (!expected || digest === expected.digest.toLowerCase());
          this.emit({ kind: 'http.done', node: n.name, url, bytes: r.bytes, ms: round(r.ms), status: r.status });
          this.emit({ kind: 'agent.image', node: n.name, url, bytes: r.bytes, ms: round(r.ms), sha256: digest, ok });
          return { bytes: r.bytes, digest, ok, ms: r.ms };
        } finally {
          release();
        }
      },
      writeDisk: async (image) => {
        this.disk = null; // a write in progress leaves no bootable image until it completes
        const mbps = Math.max(1, sample(n.profile.timings.diskWriteMBps, this.rng));
        await this.sleep((image.bytes / (mbps * 1e6)) * 1000, signal);
        if (n.faults.diskWriteFailure) {
          n.faults.diskWriteFailure = false; // one failed write per injection
          throw new FleetlabError('DISK_WRITE', `I/O error writing ${image.name} to ${n.profile.disks[0]?.name ?? 'disk'}`);
        }
        this.disk = { name: image.name, digest: image.digest, bytes: image.bytes };
      },
      powerOff: async () => {
        this.powerOff('agent');
        await Promise.resolve();
      },
    };
  }

  // ── phases, time, events ───────────────────────────────────────────────────────────────────
  private enter(phase: NodePhase, signal: AbortSignal): void {
    signal.throwIfAborted();
    this.phase = phase;
    this.emit({ kind: 'node.phase', node: this.n.name, phase });
    if (this.n.faults.powerLossAtPhase === phase) {
      this.n.faults.powerLossAtPhase = undefined; // one cut per injection
      this.powerOff('power-loss');
      this.disk = phase === 'image' ? null : this.disk;
      this.n.env.clock.after(POWER_RESTORE_MS, () => {
        if (this.state === 'off' && !this.n.env.signal.aborted) this.powerOn('power-restored');
      });
      signal.throwIfAborted();
    }
  }

  /** A profile's per-request CPU cost (absent on most hardware: no timer, no await). */
  private async requestOverhead(d: Distribution | undefined, signal: AbortSignal): Promise<void> {
    if (!d) return;
    const ms = sample(d, this.rng);
    if (ms > 0) await this.sleep(ms, signal);
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        cancel();
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      const cancel = this.n.env.clock.after(ms, () => {
        signal.removeEventListener('abort', onAbort);
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
  private protoTimeout(ms: number): number {
    const env = this.n.env;
    return Math.max(env.minProtocolTimeoutMs, ms * Math.max(env.clock.timeScale, 0.25));
  }

  private emit(b: EventBody): void {
    this.n.env.events.emit(b);
  }
}

function dropLink(link: SiteLink, faults: NodeFaults, rng: Rng): SiteLink {
  return {
    site: link.site,
    get partitioned() {
      return link.partitioned;
    },
    rtt: () => link.rtt(),
    take: (d, b) => link.take(d, b),
    udp: (dir, bytes, deliver, proto) => {
      const rate = faults.tftpDropRate;
      if (rate > 0 && rng.next() < rate) return;
      link.udp(dir, bytes, deliver, proto);
    },
  };
}

export function parseCmdline(cmdline: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tok of cmdline.trim().split(/\s+/)) {
    if (!tok) continue;
    const i = tok.indexOf('=');
    if (i < 0) out[tok] = '';
    else out[tok.slice(0, i)] = tok.slice(i + 1);
  }
  return out;
}

const round = (ms: number) => Math.round(ms * 10) / 10;
const errCode = (e: unknown) => (isFleetlabError(e) ? e.code : ERRORS.INTERNAL.code);
const errMessage = (e: unknown) => (e instanceof Error ? e.message : String(e));
