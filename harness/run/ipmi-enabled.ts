/**
 * Whether a run starts the IPMI emulator. Every node has an IPMI address in the spec, but binding
 * one UDP socket per BMC on 127.x:623 needs root, costs an fd per node and collides between runs
 * on one machine, so it is opt-in: the lab spec says `bmc: {ipmi: true}` or the run passes
 * `--param bmc=ipmi` (and the resolved spec has not switched it off).
 */
import type { ResolvedLab } from '../../lab/config/lab-spec.ts';
import type { Params } from '../scenario.ts';

/** `labSpec` is the scenario's spec as written (before defaults), `lab` the resolved one. */
export function ipmiEnabled(lab: ResolvedLab, labSpec: unknown, params: Params): boolean {
  const explicit = (labSpec as { bmc?: { ipmi?: unknown } } | undefined)?.bmc?.ipmi === true;
  return lab.bmc.ipmi && (explicit || params.bmc === 'ipmi');
}
