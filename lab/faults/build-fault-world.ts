/**
 * Builds the FaultWorld for a running lab: nodes with their NodeFaults and Machine, sites with
 * their link models, BMCs with their BmcFaults, and phase entries taken from the event stream.
 *
 *   Lab (nodes, sites, BMCs) + event subscription ──▶ FaultWorld ──▶ FaultController
 *
 * Takes the lab structurally (what lab.ts's Lab has) so lab/faults does not depend on how the
 * lab is assembled. Sites whose link is not a link model (a plain passthrough) cannot take link
 * faults and are left out; a link fault naming them is then reported as an unknown site.
 */
import type { Clock } from '../base/clock.ts';
import type { Rng } from '../base/rng.ts';
import type { EventBody } from '../base/event.ts';
import type { Machine } from '../base/machine.ts';
import type { SiteLink } from '../net/site-link.ts';
import { isSiteLinkControl } from '../net/site-link-model.ts';
import type { BmcFaults, NodeFaults } from './fault-hooks.ts';
import { noBmcFaults } from './fault-hooks.ts';
import type { FaultWorld, WorldTarget } from './fault-world.ts';

export interface LabLike {
  nodes: readonly { name: string; site: string; machine: Machine; faults: NodeFaults; bmc: { id: string; faults?: BmcFaults }; tier?: 'sim' | 'qemu' | 'hardware' }[];
  sites: readonly { name: string; link: SiteLink }[];
}

export interface LabWorldDeps {
  clock: Clock;
  rng: Rng;
  emit(body: EventBody): void;
  /** Live events (e.g. EventLog.on); used for node.phase. Returns an unsubscribe function. */
  subscribe(listener: (e: EventBody) => void): () => void;
  target?: WorldTarget;
}

export function faultWorldForLab(lab: LabLike, deps: LabWorldDeps): FaultWorld {
  const sites = lab.sites.flatMap((s) => (isSiteLinkControl(s.link) ? [{ name: s.name, link: s.link }] : []));
  const bmcs = lab.nodes.map((n) => ({ id: n.bmc.id, faults: (n.bmc.faults ??= noBmcFaults()) }));
  return {
    nodes: lab.nodes.map((n) => ({ name: n.name, site: n.site, faults: n.faults, machine: n.machine, bmc: n.bmc.id, tier: n.tier ?? 'sim' })),
    sites,
    bmcs,
    ...(deps.target ? { target: deps.target } : {}),
    clock: deps.clock,
    rng: deps.rng,
    emit: (b) => deps.emit(b),
    onPhase: (cb) =>
      deps.subscribe((e) => {
        if (e.kind === 'node.phase') cb(e.node, e.phase);
      }),
  };
}
