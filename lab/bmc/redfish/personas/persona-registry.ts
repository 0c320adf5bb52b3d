/**
 * Every BMC persona, registered by name. Adding one = one file in this folder + one line here.
 */
import { FleetlabError } from '../../../base/errors.ts';
import type { RedfishPersona } from './redfish-persona.ts';
import { generic } from './generic.ts';
import { sushyTools } from './sushy-tools.ts';
import { idrac } from './idrac.ts';
import { ilo } from './ilo.ts';
import { supermicro } from './supermicro.ts';

const ALL: RedfishPersona[] = [generic, sushyTools, idrac, ilo, supermicro];

export const PERSONAS: ReadonlyMap<string, RedfishPersona> = new Map(ALL.map((p) => [p.name, p]));

export const PERSONA_NAMES: readonly string[] = ALL.map((p) => p.name);

/** The persona called `name`; a clear error (exit 2) naming the known ones otherwise. */
export function personaByName(name: string): RedfishPersona {
  const p = PERSONAS.get(name);
  if (!p) throw new FleetlabError('BMC_PERSONA_UNKNOWN', `unknown BMC persona '${name}' (known: ${PERSONA_NAMES.join(', ')})`);
  return p;
}
