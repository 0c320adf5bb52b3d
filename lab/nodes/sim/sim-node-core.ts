/**
 * What a simulated node's boot stages see of the node (`SimNode` implements it): its identity and
 * environment, the mutable boot state (leased address, disk, override), and the few primitives
 * every stage uses (enter a phase, sleep, emit, wait for a DHCP reply).
 *
 *   SimNode (power, boot order) ──▶ network-boot.ts / firmware-io.ts / agent-context.ts
 *                                        └── all take the node as a SimNodeCore argument
 *
 * Why an interface and plain functions instead of more methods: the stages live in their own
 * files without a file cycle back to sim-node.ts, and a function taking the node allocates
 * nothing per node (the sim tier holds tens of thousands of them).
 */
import type { EventBody, NodePhase } from '../../base/event.ts';
import type { BootOverride } from '../../base/machine.ts';
import type { Rng } from '../../base/rng.ts';
import type { Distribution } from '../../config/distribution.ts';
import type { HardwareProfile } from '../../config/hardware-profile.ts';
import type { NodeFaults } from '../../faults/fault-hooks.ts';
import type { SiteLink } from '../../net/site-link.ts';
import type { DhcpPacket, PxeFirmware } from '../../proto/dhcp/dhcp-packet.ts';
import type { SimEnv } from './sim-env.ts';

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

export type BootDevice = BootOverride['target'];
/** What a boot device hands back to the boot manager: reboot, stop here, or try the next device. */
export type BootResult = 'reboot' | 'halt' | 'next';

export interface SimNodeCore {
  readonly init: SimNodeInit;
  readonly rng: Rng;
  /** The firmware's PXE flavour (from the profile's bios/uefi). */
  readonly firmware: PxeFirmware;
  bootOverride: BootOverride;
  /** What the disk holds; null when blank or when a write was interrupted. */
  disk: DiskImage | null;
  /** Leased address of the current boot (the node's source address on the wire). */
  ip: string | null;
  /** Mark a phase (and fire a power-loss-at-phase fault); throws if the boot was aborted. */
  enter(phase: NodePhase, signal: AbortSignal): void;
  /** Modelled time (clock, timeScale); rejects when the boot is aborted. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** A profile's per-request CPU cost (absent on most hardware: no timer, no await). */
  requestOverhead(d: Distribution | undefined, signal: AbortSignal): Promise<void>;
  /** A protocol timeout scaled as firmware would experience it against a real-time server. */
  protoTimeout(ms: number): number;
  emit(b: EventBody): void;
  powerOff(cause: string): void;
  bootDevice(dev: BootDevice, signal: AbortSignal): Promise<BootResult>;
  /** The next DHCP reply for this node's MAC that `pred` accepts, or null on timeout/abort. */
  waitDhcp(pred: (p: DhcpPacket) => boolean, timeoutMs: number, signal: AbortSignal): Promise<DhcpPacket | null>;
}

/** Event durations keep one decimal (ms). */
export const roundMs = (ms: number): number => Math.round(ms * 10) / 10;
