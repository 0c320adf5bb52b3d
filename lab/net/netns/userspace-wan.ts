/**
 * The qemu tier's WAN in userspace: the site's link model (the same SiteLinkControl the sim tier
 * and the fault plugins use) decides, frame by frame, when each Ethernet frame crossing the WAN
 * arrives, or whether it is lost. Works on kernels without sch_netem (this machine's), and gives
 * qemu sites the sim tier's exact semantics: latency, jitter distributions, Gilbert-Elliott
 * bursts, partitions, overlays from faults.
 *
 *   site ns: wan0 (TAP) ─fd─ socat ─udp─▶ ┌ UserspaceWan (this process) ┐ ─udp─ socat ─fd─ TAP fl-<tag>-<i>h :host ns
 *                                          │ up:   link.frame('up', n)   │
 *                                          │ down: link.frame('down', n) │
 *                                          └─ per-direction FIFO + timer ┘
 *
 * Why socat: Node cannot open a TAP (TUNSETIFF is an ioctl). socat creates both TAPs in the host
 * namespace; the site one is then moved into the site namespace (a TAP keeps its fd across
 * namespaces), so both socats and our UDP sockets live on host loopback. One frame = one datagram
 * (socat reads a TAP one frame per read), so frame boundaries survive.
 *
 * Measured (bench/userspace-wan.ts, this 2-core machine): 10 and 50 Mbit/s models deliver 95.5 %
 * and 94.5 % of the line rate as TCP goodput (Ethernet + TCP/IP headers cost 4.4 %), a 100 ms RTT
 * model pings 101–102 ms, and the path tops out near 300 Mbit/s: links faster than that (lan,
 * metro-fiber) run at that ceiling on qemu sites, which is more than a TCG guest moves anyway.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import type { Clock } from '../../base/clock.ts';
import { realClock } from '../../base/clock.ts';
import { ERRORS, FleetlabError } from '../../base/errors.ts';
import type { EventSink } from '../../base/event.ts';
import type { LinkDirection } from '../site-link.ts';
import type { SiteLinkControl } from '../site-link-model.ts';
import { killAndWait } from './kill.ts';
import { trySh } from './sh.ts';

/** What decides a frame's fate (and takes a new profile); null = delivered at once (an ideal wire). */
export type FrameLink = Pick<SiteLinkControl, 'frame' | 'setProfile'> | null;

export interface UserspaceWanOptions {
  /** TAP names to create in the host namespace: the host end (stays) and the site end (moved by the caller). */
  hostTap: string;
  siteTap: string;
  link: FrameLink;
  /** The clock the link model runs on (real time for qemu sites). */
  clock?: Clock;
  events?: EventSink;
  site: string;
  /** Sees every frame the link delivers (the hardware tier reads DHCP/TFTP/HTTP per MAC from them). */
  observe?: (dir: LinkDirection, frame: Buffer) => void;
}

export interface UserspaceWan {
  /** Frames forwarded / dropped per direction (for reports and tests). */
  readonly counters: Record<LinkDirection, { frames: number; bytes: number; dropped: number }>;
  readonly pids: number[];
  /**
   * Start forwarding. Until then frames are dropped: a TAP that is down (the site end while it
   * moves into its namespace) answers a write with EIO, and socat exits on a write error.
   */
  open(): void;
  close(): Promise<void>;
}

interface Pending {
  at: number;
  frame: Buffer;
}

/** One direction: frames wait in arrival order; one timer for the head of the queue. */
class DirectionQueue {
  private q: Pending[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly send: (f: Buffer) => void,
  ) {}

  push(afterMs: number, frame: Buffer): void {
    if (afterMs <= 0 && this.head === this.q.length) {
      this.send(frame);
      return;
    }
    this.q.push({ at: this.clock.now() + afterMs, frame });
    if (!this.timer) this.arm();
  }

  private arm(): void {
    const next = this.q[this.head];
    if (!next) {
      this.q = [];
      this.head = 0;
      return;
    }
    // Real timers are ms-granular and late on a busy host: release everything due within 0.5 ms.
    this.timer = setTimeout(() => this.flush(), Math.max(0, next.at - this.clock.now()));
  }

  private flush(): void {
    this.timer = null;
    const now = this.clock.now() + 0.5;
    while (this.head < this.q.length && this.q[this.head]!.at <= now) this.send(this.q[this.head++]!.frame);
    if (this.head > 1024 && this.head * 2 > this.q.length) {
      this.q = this.q.slice(this.head);
      this.head = 0;
    }
    this.arm();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.q = [];
    this.head = 0;
  }
}

function bindLoopback(sock: Socket): Promise<number> {
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, '127.0.0.1', () => {
      sock.off('error', reject);
      resolve(sock.address().port);
    });
  });
}

/** A free loopback UDP port for socat's own end (bound and released; socat binds it next). */
async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  const port = await bindLoopback(s);
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function startSocat(tap: string, ourPort: number, socatPort: number): ChildProcess {
  return spawn(
    'socat',
    ['-b', '65536', `TUN,tun-type=tap,tun-name=${tap},iff-no-pi,iff-up`, `UDP4-DATAGRAM:127.0.0.1:${ourPort},bind=127.0.0.1:${socatPort}`],
    // Own process group (like qemu and the relay): a terminal's Ctrl-C reaches fleetlab only, so
    // the WAN stays up until the orderly teardown instead of dying first and logging errors.
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
}

async function waitForLink(name: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new FleetlabError('NETNS', `socat for TAP ${name} exited (${child.exitCode}): ${log().trim()}`);
    if (await trySh('ip', ['link', 'show', 'dev', name])) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new FleetlabError('NETNS', `TAP ${name} did not appear within 2 s: ${log().trim()}`);
}

/** One TAP's socat, its stderr kept (last 2 KB) for error messages; an unexpected exit is logged. */
function startTapSocat(o: UserspaceWanOptions, tap: string, ours: number, theirs: number, closing: () => boolean): { process: ChildProcess; log: () => string } {
  const child = startSocat(tap, ours, theirs);
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-2000);
  });
  child.on('exit', (code, sig) => {
    if (!closing()) o.events?.emit({ kind: 'log', level: 'error', msg: `site ${o.site} WAN: socat for ${tap} exited (${code ?? sig}): ${log.trim()}`, code: ERRORS.NETNS.code });
  });
  child.on('error', (e) => {
    log += e.message;
  });
  return { process: child, log: () => log };
}

export async function startUserspaceWan(o: UserspaceWanOptions): Promise<UserspaceWan> {
  const clock = o.clock ?? realClock(1);
  const fromSite = createSocket('udp4');
  const fromHost = createSocket('udp4');
  const children: ChildProcess[] = [];
  const counters = { up: { frames: 0, bytes: 0, dropped: 0 }, down: { frames: 0, bytes: 0, dropped: 0 } };
  const queues: DirectionQueue[] = [];
  let closed = false;
  let opened = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const q of queues) q.close();
    await Promise.all(children.map((c) => killAndWait(c, 1000)));
    for (const s of [fromSite, fromHost]) {
      try {
        s.close();
      } catch {
        // not bound yet
      }
    }
  };
  try {
    const sitePort = await bindLoopback(fromSite);
    const hostPort = await bindLoopback(fromHost);
    const siteSocatPort = await freePort();
    const hostSocatPort = await freePort();
    const toSite = (f: Buffer) => fromSite.send(f, siteSocatPort, '127.0.0.1');
    const toHost = (f: Buffer) => fromHost.send(f, hostSocatPort, '127.0.0.1');
    const up = new DirectionQueue(clock, toHost);
    const down = new DirectionQueue(clock, toSite);
    queues.push(up, down);
    const forward = (dir: LinkDirection, q: DirectionQueue) => (frame: Buffer) => {
      const c = counters[dir];
      if (!opened) return;
      c.frames++;
      c.bytes += frame.length;
      const after = o.link ? o.link.frame(dir, frame.length) : 0;
      if (after === null) {
        c.dropped++;
        return;
      }
      o.observe?.(dir, frame);
      q.push(after, frame);
    };
    fromSite.on('message', forward('up', up));
    fromHost.on('message', forward('down', down));
    for (const s of [fromSite, fromHost]) s.on('error', (e) => o.events?.emit({ kind: 'log', level: 'warn', msg: `site ${o.site} WAN socket: ${e.message}`, code: ERRORS.NETNS.code }));

    for (const [tap, ours, theirs] of [
      [o.siteTap, sitePort, siteSocatPort],
      [o.hostTap, hostPort, hostSocatPort],
    ] as const) {
      const child = startTapSocat(o, tap, ours, theirs, () => closed);
      children.push(child.process);
      await waitForLink(tap, child.process, child.log);
    }
    return {
      counters,
      get pids() {
        return children.flatMap((c) => (c.pid ? [c.pid] : []));
      },
      open() {
        opened = true;
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
