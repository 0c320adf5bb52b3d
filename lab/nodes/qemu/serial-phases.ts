/**
 * Serial console → fleetlab events. Fed raw bytes from a VM's ttyS0 (SeaBIOS, iPXE, Linux, the
 * boot payload's FLEETLAB-* markers), it emits the same event kinds and NODE_PHASES as sim nodes.
 *
 *   SeaBIOS "Booting from ROM"        → (network boot)      "Booting from Hard Disk" + SYSLINUX → disk-boot
 *   iPXE "Configuring (net0 …)"       → dhcp (1st) / ipxe-dhcp (later)   "net0: a.b.c.d/…" → dhcp.ack
 *   iPXE "tftp://…"                   → tftp                "http://…ipxe…" → script   "…vmlinuz|initrd…" → kernel
 *   "… ok" closes a fetch             → tftp.done / http.done; the initrd's "ok" → boot (iPXE `boot` is silent)
 *   Linux "Linux version" / FLEETLAB-PHASE boot → boot (when no initrd line was seen)
 *   FLEETLAB-PHASE agent|image|callback|reboot, FLEETLAB-IMAGE/CALLBACK/DHCP/FAIL/READY → phases + agent.* / node.*
 *
 * iPXE prints a fetch as `URL... <progress> ok` on ONE line, so fetch starts are detected on the
 * partial line (as soon as `URL...` is complete), not at the newline. Pure and clock-injected:
 * tests feed captured transcripts.
 */
import type { EventBody, NodePhase } from '../../base/event.ts';
import { ERRORS } from '../../base/errors.ts';

export interface SerialParserOptions {
  node: string;
  site: string;
  emit: (e: EventBody) => void;
  now: () => number;
  persona?: string;
  /** SeaBIOS announced the device it boots ("Booting from ROM/Hard Disk/…"): the boot order was read. */
  onBootChoice?: (device: string) => void;
  /**
   * "No bootable device" boots tolerated before the node fails (default NO_DEVICE_RETRIES).
   * The VM's firmware reboots and tries again (SeaBIOS reboot-timeout, see qemu-node.ts).
   */
  noDeviceRetries?: number;
}

/**
 * iPXE's DHCP gives up on its own clock (~15 s of guest time); on a loaded host a relayed answer
 * can miss that window and the firmware falls through to "No bootable device" (seen after a
 * 17.8 s power-on under stress-ng). Like a real PXE machine the VM retries; the budget renews
 * whenever a boot makes progress (a lease), so only a VM that never gets anywhere fails.
 */
export const NO_DEVICE_RETRIES = 3;
/** SeaBIOS waits this long after "No bootable device" before it reboots the VM (qemu -boot reboot-timeout). */
export const NO_DEVICE_REBOOT_MS = 3000;

const ANSI = new RegExp(String.fromCharCode(27) + '\\[[0-9;?]*[A-Za-z]|' + String.fromCharCode(27) + '[a-zA-Z]', 'g');
const FETCH = /^((?:https?|tftp):\/\/\S+?)\.\.\./;
const KERNELISH = /vmlinuz|kernel|bzimage|initrd|initramfs|ramdisk|\.cpio|\.gz$|\.img$/i;

export class SerialPhaseParser {
  private line = '';
  private phase: NodePhase | null = null;
  private dhcpCount = 0;
  private dhcpStart = 0;
  private fetch: { url: string; start: number; phase: NodePhase } | null = null;
  private sawDiskAttempt = false;
  private failed = false;
  /** "No bootable device" boots since the last progress (a lease) or host-initiated boot. */
  private noDevice = 0;
  /** Last lines (for error messages and the serial log tail). */
  readonly tail: string[] = [];
  readyImage: string | null = null;

  constructor(private readonly o: SerialParserOptions) {}

  /** A new boot began (power-on or reset): phase tracking restarts. */
  newBoot(keepPhase = false): void {
    if (!keepPhase) {
      this.phase = null;
      this.noDevice = 0;
    }
    this.dhcpCount = 0;
    this.fetch = null;
    this.sawDiskAttempt = false;
    this.failed = false;
    this.readyImage = null;
  }

  get currentPhase(): NodePhase | null {
    return this.phase;
  }

  /** Enter a phase (emits node.phase once per change). */
  enter(p: NodePhase): void {
    if (this.phase === p) return;
    this.phase = p;
    this.o.emit({ kind: 'node.phase', node: this.o.node, phase: p });
  }

  feed(chunk: string): void {
    // ANSI sequences are stripped per line (endLine/partial): one may straddle two chunks.
    for (const ch of chunk) {
      if (ch === '\n' || ch === '\r') {
        if (this.line.length) this.endLine(this.line.replace(ANSI, ''));
        this.line = '';
        continue;
      }
      if (ch === '\b') {
        this.line = this.line.slice(0, -1);
        continue;
      }
      this.line += ch;
      if (!this.fetch && ch === '.' && this.line.endsWith('...')) this.partial(this.line.replace(ANSI, ''));
    }
  }

  private partial(text: string): void {
    const m = FETCH.exec(text.trimStart());
    if (!m) return;
    const url = m[1]!;
    const ph: NodePhase = url.startsWith('tftp:') ? 'tftp' : KERNELISH.test(url.replace(/[?#].*$/, '')) ? 'kernel' : 'script';
    this.fetch = { url, start: this.o.now(), phase: ph };
    this.enter(ph);
  }

  private endLine(raw: string): void {
    const text = raw.trim();
    this.tail.push(text);
    if (this.tail.length > 40) this.tail.shift();
    const n = this.o.node;
    if (this.fetch && FETCH.test(text)) {
      const f = this.fetch;
      this.fetch = null;
      const ms = this.o.now() - f.start;
      const ok = /\bok\s*$/.test(text);
      if (f.phase === 'tftp') this.o.emit({ kind: 'tftp.done', node: n, file: f.url, bytes: 0, ms, blksize: 0 });
      else this.o.emit({ kind: 'http.done', node: n, url: f.url, bytes: 0, ms, status: ok ? 200 : 0 });
      // iPXE scripts load the initrd last, then `boot` (which prints nothing): the kernel starts now.
      if (ok && f.phase === 'kernel' && /initrd|initramfs|ramdisk/i.test(f.url)) this.enter('boot');
      return;
    }
    if (text.startsWith('FLEETLAB-')) return this.marker(text);
    const choice = /^Booting from (.+?)\.*$/.exec(text);
    if (choice) this.o.onBootChoice?.(choice[1]!);
    if (/Booting from Hard Disk/.test(text)) {
      this.sawDiskAttempt = true;
      return;
    }
    if (this.sawDiskAttempt && /^SYSLINUX|^ISOLINUX|^GRUB/.test(text)) {
      this.sawDiskAttempt = false;
      return this.enter('disk-boot');
    }
    if (/Boot failed: not a bootable disk/.test(text)) {
      this.sawDiskAttempt = false;
      return;
    }
    if (/^Configuring \(net\d/.test(text) || /^DHCP \(net\d/.test(text)) {
      this.dhcpCount++;
      this.dhcpStart = this.o.now();
      const stage = this.dhcpCount === 1 ? 'pxe' : 'ipxe';
      this.enter(this.dhcpCount === 1 ? 'dhcp' : 'ipxe-dhcp');
      this.o.emit({ kind: 'dhcp.discover', node: n, site: this.o.site, stage, attempt: 1 });
      // iPXE prints "Configuring (net0 …)...... ok" on one line: the lease line follows.
      return;
    }
    const lease = /^net\d+: (\d+\.\d+\.\d+\.\d+)\/\S+/.exec(text);
    if (lease && (this.phase === 'dhcp' || this.phase === 'ipxe-dhcp')) {
      this.noDevice = 0;
      this.o.emit({ kind: 'dhcp.ack', node: n, site: this.o.site, stage: this.phase === 'dhcp' ? 'pxe' : 'ipxe', ip: lease[1]!, ms: this.o.now() - this.dhcpStart });
      return;
    }
    if (/Linux version \d/.test(text) && this.phase !== 'disk-boot' && this.phase !== 'ready') return this.enter('boot');
    if (/Kernel panic/.test(text)) return this.fail(this.phase ?? 'boot', ERRORS.QEMU.code, text);
    if (/No bootable device/.test(text)) return this.noBootableDevice(text);
  }

  private noBootableDevice(text: string): void {
    const retries = this.o.noDeviceRetries ?? NO_DEVICE_RETRIES;
    if (this.noDevice++ >= retries) return this.fail(this.phase ?? 'power-on', ERRORS.BOOT_NO_DEVICE.code, `${text} (${this.noDevice} boots in a row)`);
    this.o.emit({ kind: 'log', level: 'warn', msg: `${this.o.node}: ${text}; the firmware retries (${this.noDevice} of ${retries} retries)`, code: ERRORS.BOOT_NO_DEVICE.code });
  }

  private fail(phase: NodePhase, code: string, message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.o.emit({ kind: 'node.failed', node: this.o.node, phase, code, message });
  }

  private marker(text: string): void {
    const sp = text.indexOf(' ');
    const word = sp < 0 ? text.slice('FLEETLAB-'.length) : text.slice('FLEETLAB-'.length, sp);
    const rest = sp < 0 ? '' : text.slice(sp + 1);
    const kv: Record<string, string> = {};
    for (const tok of rest.split(/\s+/)) {
      const i = tok.indexOf('=');
      if (i > 0) kv[tok.slice(0, i)] = tok.slice(i + 1);
    }
    const n = this.o.node;
    const persona = this.o.persona ?? 'generic-installer';
    const num = (k: string) => (Number.isFinite(Number(kv[k])) ? Number(kv[k]) : 0);
    switch (word) {
      case 'PHASE': {
        const p = rest.split(/\s+/)[0] as NodePhase;
        if (p === 'boot') {
          // Only the first marker of a boot: the disk-boot path also prints it.
          if (this.phase !== 'disk-boot' && this.phase !== 'boot') this.enter('boot');
          return;
        }
        if (p === 'agent') {
          this.enter('agent');
          this.o.emit({ kind: 'agent.start', node: n, persona });
          return;
        }
        if (p === 'image' || p === 'callback' || p === 'reboot') this.enter(p);
        return;
      }
      case 'DHCP':
        this.o.emit({ kind: 'agent.step', node: n, persona, step: 'dhcp', detail: `${kv.ip ?? '?'} in ${kv.ms ?? '?'} ms` });
        return;
      case 'IMAGE': {
        const ok = kv.ok === '1';
        this.o.emit({ kind: 'http.done', node: n, url: kv.url ?? '', bytes: num('bytes'), ms: num('ms'), status: num('bytes') > 0 ? 200 : 0 });
        this.o.emit({ kind: 'agent.image', node: n, url: kv.url ?? '', bytes: num('bytes'), ms: num('ms'), sha256: kv.sha256 ?? '', ok });
        return;
      }
      case 'CALLBACK':
        this.o.emit({ kind: 'agent.callback', node: n, url: kv.url ?? '', status: num('status') });
        return;
      case 'FAIL':
        return this.fail((kv.phase as NodePhase) ?? this.phase ?? 'agent', kv.code ?? ERRORS.AGENT.code, (kv.msg ?? '').replace(/_/g, ' '));
      case 'READY': {
        const image = kv.image ?? null;
        this.readyImage = image;
        if (this.phase !== 'disk-boot') this.enter('disk-boot');
        this.o.emit({ kind: 'boot.disk', node: n, image });
        if (kv.ok !== '1') return this.fail('disk-boot', ERRORS.IMAGE_CHECKSUM.code, `image on disk does not match its metadata (sha256 ${kv.sha256 ?? '?'})`);
        this.enter('ready');
        this.o.emit(image ? { kind: 'node.ready', node: n, image } : { kind: 'node.ready', node: n });
        return;
      }
    }
  }
}
