/**
 * sushy-tools persona: what OpenStack sushy-tools' emulator (fake and libvirt drivers) serves, the
 * BMC most Ironic CI jobs meet. Modelled from sushy-tools' source (openstack/sushy-tools):
 *
 *   - Boot override Once is not one-time: emulator/templates/system.json renders
 *     "BootSourceOverrideEnabled": "Continuous" unconditionally, and
 *     emulator/resources/systems/fakedriver.py set_boot_device() only stores the device (nothing
 *     clears it after a boot). So a PATCH with Once (or with a target only) is stored as
 *     Continuous and survives the boot.
 *   - No PowerCycle (nor PushPowerButton): templates/system.json's
 *     "ResetType@Redfish.AllowableValues" is On, ForceOff, GracefulShutdown, GracefulRestart,
 *     ForceRestart, Nmi, ForceOn; fakedriver.py set_power_state() raises NotSupportedError for
 *     any other value (here 400 ActionParameterValueNotInList).
 *   - No SessionService: templates/root.json links Systems, Managers, Registries and
 *     CertificateService only; clients must use HTTP Basic (sushy's default SessionOrBasicAuth
 *     falls back to it).
 *   - Virtual media on the System: templates/system.json links Systems/{id}/VirtualMedia;
 *     the Manager has none here (Managers/{id}/VirtualMedia is 404).
 */
import type { RedfishPersona } from './redfish-persona.ts';
import type { Json } from './persona-kit.ts';
import { MANAGER, refuseResetType, SYSTEM, V1, withResetTypes } from './persona-kit.ts';

const RESET_TYPES = ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart', 'Nmi', 'ForceOn'];

function reshapeSystem(body: Json): Json {
  const boot = { ...(body.Boot as Json) };
  delete boot['BootSourceOverrideEnabled@Redfish.AllowableValues'];
  return { ...withResetTypes(body, '#ComputerSystem.Reset', RESET_TYPES), Boot: boot };
}

export const sushyTools: RedfishPersona = {
  name: 'sushy-tools',
  summary: "OpenStack sushy-tools' emulator: Once stored as Continuous, no PowerCycle, no SessionService, vmedia on the System only",
  deviations: [
    { id: 'sushy-tools-once-is-continuous', description: 'a boot override PATCHed as Once (or target only) is stored as Continuous and survives the boot' },
    { id: 'sushy-tools-no-power-cycle', description: 'ComputerSystem.Reset offers no PowerCycle nor PushPowerButton; sending them is 400' },
    { id: 'sushy-tools-no-session-service', description: 'no SessionService (404, not linked from the service root): HTTP Basic only' },
    { id: 'sushy-tools-no-manager-vmedia', description: 'VirtualMedia only under Systems/{id}; Managers/{id}/VirtualMedia is 404' },
  ],
  hidden: [/^\/redfish\/v1\/SessionService(\/|$)/, /^\/redfish\/v1\/Managers\/[^/]+\/VirtualMedia(\/|$)/],
  request(method, path, body) {
    if (method === 'PATCH' && SYSTEM.test(path) && body.Boot && typeof body.Boot === 'object') {
      const boot = body.Boot as Json;
      if (boot.BootSourceOverrideEnabled === 'Once' || (boot.BootSourceOverrideTarget !== undefined && boot.BootSourceOverrideEnabled === undefined))
        boot.BootSourceOverrideEnabled = 'Continuous';
    }
    refuseResetType(method, path, body, RESET_TYPES, 'sushy-tools');
  },
  reshape(path, body) {
    if (path === V1) {
      const root: Json = { ...body };
      delete root.SessionService;
      delete root.Links;
      return root;
    }
    if (path === `${V1}/odata`) return { ...body, value: (body.value as { name: string }[]).filter((v) => v.name !== 'SessionService') };
    if (SYSTEM.test(path)) return reshapeSystem(body);
    if (MANAGER.test(path)) {
      const m: Json = { ...body };
      delete m.VirtualMedia;
      return m;
    }
    return body;
  },
};
