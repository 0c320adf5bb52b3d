/**
 * The default persona: the emulator as it is — standards-complete against DMTF DSP0266 (protocol)
 * and the DSP8010 schemas it names in @odata.type (Once overrides cleared by the boot that used
 * them, every ResetType, SessionService, TaskService, VirtualMedia under Systems and Managers).
 * It changes nothing, so every other persona is described by its difference from this one.
 */
import type { RedfishPersona } from './redfish-persona.ts';

export const generic: RedfishPersona = {
  name: 'generic',
  summary: 'standards-complete Redfish BMC (DSP0266 / DSP8010), the default',
  deviations: [],
};
