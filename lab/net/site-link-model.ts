/**
 * The sim-tier site link: one object per site, shared by all of the site's nodes.
 *
 *                 ┌──────────────── SimSiteLink (site s) ────────────────┐
 *   udp(dir,…) ──▶│ partition? drop │ loss model? drop │ serialize on the │──clock.after(delay, deliver)
 *                 │                 │ (random / G-E)   │ dir's queue      │
 *   take(dir,n) ─▶│ partition? stall until healed │ virtual-time token   │──undefined | Promise (paced)
 *                 │                               │ bucket per direction │
 *   rtt() ───────▶│ partition? stall │ latency + jitter (both directions) │──Promise
 *                 └──────────────────────────────────────────────────────┘
 *
 * Model:
 * - Each direction is a FIFO line of `bps`: a transmission of n bytes starts at
 *   max(busyUntil, now − burst) and occupies the line for n·8/bps; `busyUntil` is virtual time,
 *   so timer lateness never accumulates (throughput over a transfer is exact up to one chunk).
 *   All TCP streams and UDP datagrams of the site share it (download and upload separately).
 *   An idle line may pass BURST_MS (modelled) of line time at once. A reservation that comes
 *   within turnaround() of a paced stream's (possibly late) wake-up continues where the line
 *   time ended, so timer lateness on a busy host (up to LAG_SLACK) costs no throughput, while
 *   an idle line never banks more than its burst, whatever the timeScale.
 * - UDP: delivered after its serialization wait + latency/2 + one-way jitter, or dropped when the
 *   direction is partitioned or the loss model says so. TCP is modelled as reliable: loss does
 *   not slow streams (no congestion window model); latency is paid once per request round trip
 *   through rtt().
 * - Partition (any direction) stalls streams: take()/rtt() wait until healed (TCP needs both
 *   directions for data and ACKs). UDP is dropped only in the cut direction.
 *
 * Time: `clock.now()` is in clock units (real ms for realClock) and `clock.after(ms)` takes
 * modelled ms (real = ms × timeScale). Line occupancy and delays are modelled durations, so a run
 * with timeScale 0.1 moves bytes 10× faster; timeScale 0 removes all link delays.
 *
 * Scale: no timers while idle, no per-link closures; per datagram exactly one clock.after with
 * the caller's own deliver callback; RNG streams are created on first use.
 */
import type { Clock } from '../base/clock.ts';
import type { Rng } from '../base/rng.ts';
import type { LinkDirection, SiteLink } from './site-link.ts';
import type { LinkOverrides, LinkProfile, LossModel, PartitionMode } from './link-spec.ts';
import { applyLinkOverrides } from './link-spec.ts';

/** Line time (modelled ms) an idle direction may send at once without waiting. */
export const BURST_MS = 5;
/**
 * Most timer lateness (clock units, i.e. real ms) forgiven to a paced stream; without this
 * every late wake-up would be lost line time and throughput would fall short under load.
 */
export const LAG_SLACK = 1000;
/**
 * A reservation this soon after a paced wake-up is that stream continuing (resume → next chunk
 * read): 50 modelled ms, clamped to [1, 50] clock units so a compressed run (timeScale 0.01)
 * does not hand a back-to-back new transfer seconds of modelled line time.
 */
function turnaround(scale: number): number {
  return Math.min(50, Math.max(1, 50 * scale));
}
/** Frame-level queue of a direction (modelled ms of backlog, and a floor in bytes for slow lines): the 200 ms / 64 KiB a kernel tbf gets here too. */
const QUEUE_MS = 200;
const QUEUE_MIN_BYTES = 64 * 1024;
/** Waits shorter than this (clock units) are skipped; the debt stays in busyUntil. Small, so a paced stream nearly always has a wake-up to continue from. */
const MIN_WAIT = 0.2;

export interface DirectionStats {
  /** Bytes offered to the line (streams and datagrams). */
  bytes: number;
  datagrams: number;
  /** Datagrams dropped by loss or partition. */
  dropped: number;
}

export interface LinkStats {
  up: DirectionStats;
  down: DirectionStats;
  /** Number of times a stream or round trip waited for a partition to heal. */
  stalls: number;
}

export interface SiteLinkControl extends SiteLink {
  /** Effective profile: base + active overlays. */
  readonly profile: LinkProfile;
  /** The configured profile, without fault overlays. */
  readonly baseProfile: LinkProfile;
  readonly stats: LinkStats;
  /** Replace the configured profile (overlays stay on top). */
  setProfile(profile: LinkProfile): void;
  /** Cut the link in one or both directions until heal(). */
  partition(dir: Exclude<PartitionMode, 'none'>): void;
  /** Remove every fault overlay and manual partition (the configured profile stays). */
  heal(): void;
  /**
   * A named layer of overrides (fault plugins use one per activation so overlapping faults
   * compose and stop in any order). Later layers win field by field; partitions are unioned.
   */
  addOverlay(id: string, overrides: LinkOverrides): void;
  removeOverlay(id: string): void;
  /** Resolves when the link is not partitioned (immediately if it is not). */
  stallUntilHealed(): Promise<void>;
  /**
   * One Ethernet frame of `bytes` (whole frame) offered to `dir` by a frame-level link (the qemu
   * tier's userspace WAN): returns after how many clock units it arrives, or null when it is
   * lost (partition, loss model, or tail drop at a full queue). Arrivals per direction never go
   * backwards (a queue per direction keeps order, jitter only stretches gaps), so TCP sees a
   * path, not a reordering fabric. The caller schedules the delivery.
   */
  frame(dir: LinkDirection, bytes: number): number | null;
}

interface Direction {
  bps: number;
  /** Clock time (clock units) at which the line is free again. */
  busyUntil: number;
  /** Last paced wake-up: when it was due (line time end) and when it happened (clock units). */
  wokeDue: number;
  wokeAt: number;
  /** Gilbert-Elliott state: in the bad state. */
  bad: boolean;
  /** Latest arrival handed out by frame() (clock units): later frames never arrive earlier. */
  lastArrival: number;
  stats: DirectionStats;
}

function unionPartition(a: PartitionMode, b: PartitionMode): PartitionMode {
  if (a === 'none') return b;
  if (b === 'none' || a === b) return a;
  return 'both';
}

class SimSiteLink implements SiteLinkControl {
  readonly stats: LinkStats;
  private base: LinkProfile;
  private eff: LinkProfile;
  private overlays: Map<string, LinkOverrides> | undefined;
  private manual: PartitionMode = 'none';
  private part: PartitionMode;
  private readonly up: Direction;
  private readonly down: Direction;
  private healWaiters: (() => void)[] | undefined;
  /**
   * Loss draws, one stream per direction and protocol: a node's DHCP drops depend only on the
   * seed and its DHCP packet count, not on how much TFTP crossed the link meanwhile.
   */
  private lossRngs: Map<string, Rng> | undefined;
  private jitterRng: Rng | undefined;

  constructor(
    readonly site: string,
    profile: LinkProfile,
    private readonly clock: Clock,
    private readonly rng: Rng,
  ) {
    this.base = profile;
    this.eff = profile;
    this.part = profile.partition;
    this.up = { bps: profile.upBps, busyUntil: -Infinity, wokeDue: NaN, wokeAt: 0, bad: false, lastArrival: -Infinity, stats: { bytes: 0, datagrams: 0, dropped: 0 } };
    this.down = { bps: profile.downBps, busyUntil: -Infinity, wokeDue: NaN, wokeAt: 0, bad: false, lastArrival: -Infinity, stats: { bytes: 0, datagrams: 0, dropped: 0 } };
    this.stats = { up: this.up.stats, down: this.down.stats, stalls: 0 };
  }

  get profile(): LinkProfile {
    return this.eff;
  }
  get baseProfile(): LinkProfile {
    return this.base;
  }
  get partitioned(): boolean {
    return this.part !== 'none';
  }

  udp(dir: LinkDirection, bytes: number, deliver: () => void, proto: 'dhcp' | 'tftp' | 'ipmi' | 'other' = 'other'): void {
    const d = dir === 'up' ? this.up : this.down;
    d.stats.datagrams++;
    d.stats.bytes += bytes;
    if (this.part === 'both' || this.part === dir || this.lost(d, dir, proto, this.eff.loss)) {
      d.stats.dropped++;
      return;
    }
    const scale = this.clock.timeScale;
    const p = this.eff;
    if (scale <= 0 || (d.bps === Infinity && p.latencyMs === 0 && p.jitterMs === 0)) {
      deliver();
      return;
    }
    // Serialization wait in clock units → modelled ms, plus one-way propagation.
    const queued = d.bps === Infinity ? 0 : Math.max(0, this.occupy(d, bytes, scale)) / scale;
    const delay = queued + this.oneWay(p);
    if (delay <= 0) deliver();
    else this.clock.after(delay, deliver);
  }

  rtt(): Promise<void> {
    if (this.part !== 'none') return this.stallUntilHealed().then(() => this.rtt());
    const p = this.eff;
    if (this.clock.timeScale <= 0 || (p.latencyMs === 0 && p.jitterMs === 0)) return Promise.resolve();
    const ms = this.oneWay(p) + this.oneWay(p);
    return new Promise<void>((resolve) => {
      this.clock.after(ms, resolve);
    });
  }

  take(dir: LinkDirection, bytes: number): Promise<void> | undefined {
    if (this.part !== 'none') return this.stallUntilHealed().then(() => this.take(dir, bytes));
    const d = dir === 'up' ? this.up : this.down;
    d.stats.bytes += bytes;
    const scale = this.clock.timeScale;
    if (d.bps === Infinity || scale <= 0 || bytes <= 0) return undefined;
    const wait = this.occupy(d, bytes, scale);
    if (wait < MIN_WAIT) {
      // The stream goes on at once: as good as a punctual wake-up for the continuation credit.
      d.wokeAt = d.wokeDue = this.clock.now();
      return undefined;
    }
    const due = d.busyUntil;
    return new Promise<void>((resolve) => {
      this.clock.after(wait / scale, () => {
        d.wokeDue = due;
        d.wokeAt = this.clock.now();
        resolve();
      });
    });
  }

  frame(dir: LinkDirection, bytes: number): number | null {
    const d = dir === 'up' ? this.up : this.down;
    d.stats.datagrams++;
    d.stats.bytes += bytes;
    if (this.part === 'both' || this.part === dir || this.lost(d, dir, 'frame', this.eff.loss)) {
      d.stats.dropped++;
      return null;
    }
    const scale = this.clock.timeScale;
    if (scale <= 0) return 0;
    const now = this.clock.now();
    let arrive = now;
    if (d.bps !== Infinity) {
      // A router's queue: frames beyond QUEUE_MS of backlog (at least QUEUE_MIN_BYTES) are tail-
      // dropped, which is what makes TCP find the line rate instead of filling an endless buffer.
      const limit = Math.max(QUEUE_MS, (QUEUE_MIN_BYTES * 8000) / d.bps) * scale;
      if (d.busyUntil - now > limit) {
        d.stats.dropped++;
        return null;
      }
      d.busyUntil = Math.max(d.busyUntil, now) + ((bytes * 8000) / d.bps) * scale;
      arrive = d.busyUntil;
    }
    arrive = Math.max(arrive + this.oneWay(this.eff) * scale, d.lastArrival);
    d.lastArrival = arrive;
    return arrive - now;
  }

  stallUntilHealed(): Promise<void> {
    if (this.part === 'none') return Promise.resolve();
    this.stats.stalls++;
    return new Promise<void>((resolve) => {
      (this.healWaiters ??= []).push(resolve);
    });
  }

  setProfile(profile: LinkProfile): void {
    this.base = profile;
    this.recompute();
  }

  partition(dir: Exclude<PartitionMode, 'none'>): void {
    this.manual = unionPartition(this.manual, dir);
    this.recompute();
  }

  heal(): void {
    this.manual = 'none';
    this.overlays = undefined;
    this.recompute();
  }

  addOverlay(id: string, overrides: LinkOverrides): void {
    (this.overlays ??= new Map()).delete(id);
    this.overlays.set(id, overrides);
    this.recompute();
  }

  removeOverlay(id: string): void {
    if (!this.overlays?.delete(id)) return;
    if (this.overlays.size === 0) this.overlays = undefined;
    this.recompute();
  }

  /** Reserve line time for `bytes`; returns the wait (clock units) until they have passed. */
  private occupy(d: Direction, bytes: number, scale: number): number {
    const now = this.clock.now();
    let start: number;
    // Right after a paced wake-up (any stream of this direction), the line time since busyUntil
    // was lost to host lag, not idleness: the woken stream would have kept the line busy. The
    // credit is bounded by that wake-up's lateness + turnaround (busyUntil >= its due time).
    // On a lagging host the continuation (resume → next chunk read) is as late as the wake-up
    // was, so the window stretches by that observed lateness (bounded by LAG_SLACK).
    const lateness = d.wokeAt - d.wokeDue;
    if (lateness <= LAG_SLACK && now - d.wokeAt <= turnaround(scale) + Math.max(0, lateness)) {
      start = d.busyUntil;
    } else start = Math.max(d.busyUntil, now - BURST_MS * scale);
    d.wokeDue = NaN;
    d.busyUntil = start + ((bytes * 8000) / d.bps) * scale;
    return d.busyUntil - now;
  }

  /** One direction's propagation delay (modelled ms): half the RTT plus a jitter draw, never < 0. */
  private oneWay(p: LinkProfile): number {
    const half = p.latencyMs / 2;
    if (p.jitterMs === 0) return half;
    const r = (this.jitterRng ??= this.rng.child(`link-jitter:${this.site}`));
    let j: number;
    switch (p.jitterDistribution) {
      case 'uniform':
        j = (r.next() * 2 - 1) * p.jitterMs;
        break;
      case 'normal': {
        // Box-Muller; 1 - u keeps log() finite.
        const u = 1 - r.next();
        j = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.next()) * p.jitterMs;
        break;
      }
      case 'pareto':
        // Pareto(α = 3) shifted to mean 0: min −jitter, heavy tail of late packets.
        j = (2 * (Math.pow(1 - r.next(), -1 / 3) - 1) - 1) * p.jitterMs;
        break;
    }
    return Math.max(0, half + j);
  }

  private lossRng(key: string): Rng {
    const m = (this.lossRngs ??= new Map());
    let r = m.get(key);
    if (!r) m.set(key, (r = this.rng.child(`link-loss:${this.site}:${key}`)));
    return r;
  }

  private lost(d: Direction, dir: LinkDirection, proto: string, m: LossModel): boolean {
    if (m.kind === 'random') {
      if (m.rate <= 0) return false;
      return this.lossRng(`${dir}:${proto}`).next() < m.rate;
    }
    // Bursts hit everything crossing the direction, so the state and its draws are per direction.
    const r = this.lossRng(dir);
    const lost = r.next() >= (d.bad ? m.h : m.k);
    // Transition after the packet (netem order: the state decides this packet, then moves).
    if (d.bad) {
      if (r.next() < m.r) d.bad = false;
    } else if (r.next() < m.p) d.bad = true;
    return lost;
  }

  private recompute(): void {
    let eff = this.base;
    let part = this.base.partition;
    if (this.overlays) {
      for (const o of this.overlays.values()) {
        eff = applyLinkOverrides(eff, o);
        if (o.partition) part = unionPartition(part, o.partition);
      }
    }
    part = unionPartition(part, this.manual);
    this.eff = eff.partition === part ? eff : { ...eff, partition: part };
    this.part = part;
    this.up.bps = eff.upBps;
    this.down.bps = eff.downBps;
    if (part === 'none' && this.healWaiters) {
      const waiters = this.healWaiters;
      this.healWaiters = undefined;
      for (const w of waiters) w();
    }
  }
}

/** True for links made by createSiteLink (fault plugins need the control surface). */
export function isSiteLinkControl(link: SiteLink): link is SiteLinkControl {
  return link instanceof SimSiteLink;
}

/** Create the link model for one site. `rng` should be the run's 'net' stream (children per site are derived). */
export function createSiteLink(site: string, profile: LinkProfile, deps: { clock: Clock; rng: Rng }): SiteLinkControl {
  return new SimSiteLink(site, profile, deps.clock, deps.rng);
}
