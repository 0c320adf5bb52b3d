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
import { rfError } from '../redfish-errors.ts';
import type { RedfishPersona } from './redfish-persona.ts';

const V1 = '/redfish/v1';
const RESET_TYPES = ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart', 'Nmi', 'ForceOn'];
const SYSTEM = /^\/redfish\/v1\/Systems\/[^/]+$/;
const MANAGER = /^\/redfish\/v1\/Managers\/[^/]+$/;
const RESET = /^\/redfish\/v1\/Systems\/[^/]+\/Actions\/ComputerSystem\.Reset$/;

type Json = Record<string, unknown>;

function reshapeSystem(body: Json): Json {
  const boot = { ...(body.Boot as Json) };
  delete boot['BootSourceOverrideEnabled@Redfish.AllowableValues'];
  const actions = body.Actions as Record<string, Json>;
  const reset = { ...actions['#ComputerSystem.Reset'], 'ResetType@Redfish.AllowableValues': RESET_TYPES };
  return { ...body, Boot: boot, Actions: { ...actions, '#ComputerSystem.Reset': reset } };
}

export const sushyTools: RedfishPersona = {
  name: 'sushy-tools',
  summary: "OpenStack sushy-tools' emulator: Once stored as Continuous, no PowerCycle, no SessionService, vmedia on the System only",
  hidden: [/^\/redfish\/v1\/SessionService(\/|$)/, /^\/redfish\/v1\/Managers\/[^/]+\/VirtualMedia(\/|$)/],
  request(method, path, body) {
    if (method === 'PATCH' && SYSTEM.test(path) && body.Boot && typeof body.Boot === 'object') {
      const boot = body.Boot as Json;
      if (boot.BootSourceOverrideEnabled === 'Once' || (boot.BootSourceOverrideTarget !== undefined && boot.BootSourceOverrideEnabled === undefined))
        boot.BootSourceOverrideEnabled = 'Continuous';
    }
    if (method === 'POST' && RESET.test(path) && typeof body.ResetType === 'string' && !RESET_TYPES.includes(body.ResetType))
      throw rfError('BMC_ACTION_PARAM_VALUE', `ComputerSystem.Reset: ResetType '${body.ResetType}' is not supported by this BMC (sushy-tools persona)`, {
        args: [body.ResetType, 'ResetType', 'ComputerSystem.Reset'],
        property: '#/ResetType',
      });
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
