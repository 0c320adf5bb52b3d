/**
 * The reference server's data model and handle: node records, images, options. Shared by the
 * server's parts (state, boot routes, REST routes) and its callers (targets, tests).
 */
import type { DhcpServer, DhcpSubnetConfig, DhcpServerEvent } from '../../../lab/proto/dhcp/dhcp-server.ts';
import type { ArtifactStore } from '../common/artifacts.ts';
import type { RedfishTarget } from './redfish-power.ts';

export type RefNodeState = 'enrolled' | 'provisioning' | 'installing' | 'active' | 'deprovisioning' | 'failed';

export interface RefImage {
  name: string;
  url: string;
  sha256: string;
  bytes: number;
}

export interface RefNode {
  id: string;
  macs: string[];
  firmware: 'bios' | 'uefi';
  bmc: RedfishTarget;
  state: RefNodeState;
  image: RefImage | null;
  lastError: string | null;
  /** Wall-clock ms of each transition, for GET /nodes/{id}. */
  timestamps: Partial<Record<RefNodeState | 'scriptServed' | 'callback', number>>;
}

export interface ReferenceServerOptions {
  host?: string;
  dhcpPort?: number;
  tftpPort?: number;
  httpPort?: number;
  subnets: DhcpSubnetConfig[];
  bootFileBytes?: number;
  kernelBytes?: number;
  initrdBytes?: number;
  /** Per-response HTTP rate cap in bytes/s for /images (0 = unlimited): throttled-server experiments. */
  imageRateBps?: number;
  onDhcpEvent?: (e: DhcpServerEvent) => void;
  /**
   * qemu-tier sites (lab/net/netns): their VMs reach this server as `coreAddr` (DNAT to loopback)
   * and boot the real payload (lab/nodes/qemu/boot-payload) instead of the generated kernel/initrd.
   */
  qemu?: { coreAddr: string; relays: string[]; vmlinuz: string; initrd: string };
}

export interface ReferenceServer {
  http: { host: string; port: number; url: string };
  dhcp: { host: string; port: number };
  tftp: { host: string; port: number };
  nodes: Map<string, RefNode>;
  artifacts: ArtifactStore;
  /** Subscribe to node state transitions. */
  watch(cb: (node: RefNode) => void): () => void;
  /** Define a generated image served at /images/<name>. */
  image(name: string, bytes: number): RefImage;
  leases: DhcpServer['leases'];
  close(): Promise<void>;
}
