/**
 * The node phase order, as a value reports/ may use. reports/ imports only types from lab/
 * (layers.json, ARCHITECTURE.md), so the list is repeated here; the type assertion below makes tsc fail the
 * moment it drifts from lab/base/event.ts NODE_PHASES.
 */
import type { NODE_PHASES, NodePhase } from '../lab/base/event.ts';

export const PHASES = [
  'power-on',
  'dhcp',
  'tftp',
  'ipxe-dhcp',
  'script',
  'kernel',
  'boot',
  'agent',
  'image',
  'callback',
  'reboot',
  'disk-boot',
  'ready',
] as const satisfies readonly NodePhase[];

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// Compile-time drift check: same members in the same order as lab's NODE_PHASES.
const phasesMatchLab: Same<typeof PHASES, typeof NODE_PHASES> = true;
void phasesMatchLab;

/** Phases that take time; 'ready' is the terminal marker, not a phase with a duration. */
export const TIMED_PHASES = PHASES.filter((p) => p !== 'ready');

export function phaseIndex(p: NodePhase): number {
  return PHASES.indexOf(p);
}
