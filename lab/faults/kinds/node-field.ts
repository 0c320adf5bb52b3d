/**
 * Shared start/stop for faults that set one NodeFaults / BmcFaults field per target: each
 * activation is a layer (layered-field.ts), so overlapping windows stop in any order.
 */
import type { BmcFaults, NodeFaults } from '../fault-hooks.ts';
import type { FaultTargets, Stopper } from '../fault-plugin.ts';
import { pushLayer } from '../layered-field.ts';

export function setNodeFields(id: string, targets: FaultTargets, fields: Partial<NodeFaults>): Stopper {
  const undo: (() => void)[] = [];
  for (const n of targets.nodes) {
    for (const [k, v] of Object.entries(fields) as [keyof NodeFaults, never][]) undo.push(pushLayer(n.faults, k, id, v));
  }
  return () => {
    for (const u of undo.reverse()) u();
  };
}

export function setBmcFields(id: string, targets: FaultTargets, fields: Partial<BmcFaults>): Stopper {
  const undo: (() => void)[] = [];
  for (const b of targets.bmcs) {
    for (const [k, v] of Object.entries(fields) as [keyof BmcFaults, never][]) undo.push(pushLayer(b.faults, k, id, v));
  }
  return () => {
    for (const u of undo.reverse()) u();
  };
}
