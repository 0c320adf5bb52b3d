/**
 * A provisioning server under test. Adapters (reference, dnsmasq, kea, ironic, …) implement this
 * and scenarios drive targets only through it — never through an adapter's internals.
 *
 *   scenario ─▶ Target.enroll/provision ─▶ server ─▶ BMC emulators / DHCP / TFTP / HTTP ─▶ sim nodes
 *                                     ◀─ state()/watch() (target.state events) ◀─┘
 */
import type { TargetPhase } from '../../lab/events/event.ts';
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

export interface Target {
  readonly name: string;
  start?(): Promise<void>;
  enroll(nodes: TargetNode[]): Promise<void>;
  /** Start a deploy; does not wait for it to finish. */
  provision(node: TargetNode, image: ImageRef): Promise<void>;
  deprovision(node: TargetNode): Promise<void>;
  state(node: TargetNode): Promise<TargetState>;
  /** Subscribe to phase transitions; returns an unsubscribe function. */
  watch(cb: (node: string, state: TargetState) => void): () => void;
  /** The in-band persona a simulated node must run for this target. */
  agent(node: TargetNode): AgentPersona;
  stop?(): Promise<void>;
}
