/**
 * What the fault controller may touch: the lab hands it this view (built by the lab builder)
 * so fault plugins never depend on how nodes, links or BMCs are implemented.
 *
 *   FaultController ──selectors──▶ FaultWorld.{sites, nodes, bmcs, target}
 *          ▲                                    │
 *          └──────── onPhase(node, phase) ◀─────┘  (node.phase as it happens)
 */
import type { Clock } from '../base/clock.ts';
import type { Rng } from '../base/rng.ts';
import type { EventBody, NodePhase } from '../base/event.ts';
import type { Machine } from '../base/machine.ts';
import type { SiteLinkControl } from '../net/site-link-model.ts';
import type { BmcFaults, NodeFaults } from './fault-hooks.ts';

export interface WorldNode {
  name: string;
  site: string;
  /** In-band fault state the node reads on its hot paths. */
  faults: NodeFaults;
  machine: Machine;
  /** Id of the node's BMC in `bmcs`, when it has one. */
  bmc?: string;
  /** Which tier runs the node (sim when absent). */
  tier?: 'sim' | 'qemu' | 'hardware';
}

export interface WorldSite {
  name: string;
  link: SiteLinkControl;
}

export interface WorldBmc {
  id: string;
  faults: BmcFaults;
}

/** Hooks of a target process fleetlab started itself (absent for external targets). */
export interface WorldTarget {
  kill?(): Promise<void>;
  /** Start it again after a kill (same config); absent = stays dead until the run ends. */
  restart?(): Promise<void>;
  pause?(): Promise<void>;
  resume?(): Promise<void>;
}

export interface FaultWorld {
  nodes: WorldNode[];
  sites: WorldSite[];
  bmcs: WorldBmc[];
  target?: WorldTarget;
  clock: Clock;
  /** The run's RNG; the controller derives its own 'faults' stream from it. */
  rng: Rng;
  emit(body: EventBody): void;
  /** Subscribe to phase entries of every node; returns an unsubscribe function. */
  onPhase(cb: (node: string, phase: NodePhase) => void): () => void;
}
