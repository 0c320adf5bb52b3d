/**
 * A provisioning server under test. Adapters (reference, dnsmasq, kea, ironic, …) implement this
 * and scenarios drive targets only through it — never through an adapter's internals.
 *
 *   scenario ─▶ Target.enroll/provision ─▶ server ─▶ BMC emulators / DHCP / TFTP / HTTP ─▶ sim nodes
 *                                     ◀─ state()/watch() (target.state events) ◀─┘
 */
import type { TargetPhase } from '../../lab/base/event.ts';
import type { AgentPersona } from '../../lab/nodes/sim/agent-persona.ts';

export type { TargetPhase };

/** What a target needs to know about a node to manage it. */
export interface TargetNode {
  name: string;
  site: string;
  uuid: string;
  macs: string[];
  /** Hardware profile name (labels for rollouts) and firmware type. */
  profile: string;
  firmware: 'bios' | 'uefi';
  bmc: {
    redfish?: { url: string; systemId: string };
    ipmi?: { host: string; port: number };
    username: string;
    password: string;
  };
}

export interface ImageRef {
  /** Stable name that the node reports after booting the image (rollout health checks). */
  name: string;
  url: string;
  sha256: string;
  bytes: number;
}

export interface TargetState {
  native: string;
  phase: TargetPhase;
  lastError?: string;
}

/**
 * Where the lab's simulated firmware must send its boot traffic for this target: the DHCP server
 * the site relays forward to (and which port relays must receive replies on), and the TFTP server
 * (PXE ROMs fetch from next-server:69; the sim tier honours a different port here).
 */
export interface BootEndpoints {
  dhcp: { host: string; port: number };
  /** 67 when the server only answers relays on port 67; 0 = ephemeral + RFC 8357 relay port. */
  relayPort: number;
  tftp: { host: string; port: number };
}

export interface Target {
  readonly name: string;
  start?(): Promise<void>;
  /** Valid after start(): where boot traffic goes. */
  endpoints(): BootEndpoints;
  enroll(nodes: TargetNode[]): Promise<void>;
  /** Start a deploy; does not wait for it to finish. */
  provision(node: TargetNode, image: ImageRef): Promise<void>;
  deprovision(node: TargetNode): Promise<void>;
  state(node: TargetNode): Promise<TargetState>;
  /** Subscribe to phase transitions; returns an unsubscribe function. */
  watch(cb: (node: string, state: TargetState) => void): () => void;
  /**
   * An image this target can deploy, served over HTTP where nodes can reach it (generated at
   * `bytes` with a known sha256 by fleetlab's artifact store when the target has no image store).
   */
  image(name: string, bytes: number): ImageRef;
  /** The in-band persona a simulated node must run for this target. */
  agent(node: TargetNode): AgentPersona;
  stop?(): Promise<void>;
  /** Fault hooks when fleetlab launched the server (target-kill / pause faults). */
  kill?(): Promise<void>;
  pause?(): Promise<void>;
  resume?(): Promise<void>;
}

/** What a target factory gets: the resolved lab (sites for DHCP subnets), options, run context. */
export interface TargetContext {
  lab: import('../../lab/config/lab-spec.ts').ResolvedLab;
  /** `--target-opt k=v` pairs and the scenario's target options. */
  options: Record<string, string>;
  runDir: string;
  /** The run's id (labels on what a target starts outside the process, for `fleetlab lab gc --run`). */
  runId?: string;
  events: import('../../lab/base/event.ts').EventSink;
  signal: AbortSignal;
}

export type TargetFactory = (ctx: TargetContext) => Target;
