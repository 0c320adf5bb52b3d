/**
 * HPE iLO 5/6-like persona (ProLiant Gen10/Gen11). What it models, and where HPE documents it:
 *
 *   - Fixed resource ids Systems/1, Chassis/1, Managers/1 — "HPE iLO 5 Redfish reference:
 *     ComputerSystem / Chassis / Manager resource definitions" (servermanagementportal.ext.hpe.com,
 *     docs/redfishservices/ilos/ilo5/…/ilo5_computersystem_resourcedefns, …_manager_resourcedefns).
 *     Applied on a per-system listener; the shared listener keeps fleetlab's ids.
 *   - Virtual media under the Manager only: Managers/1/VirtualMedia/1 (Floppy, USBStick) and
 *     /2 (CD, DVD), with the standard InsertMedia/EjectMedia actions and the OEM ones
 *     Actions/Oem/Hpe/HpeiLOVirtualMedia.InsertVirtualMedia / EjectVirtualMedia, plus
 *     Oem.Hpe.BootOnNextServerReset — same reference, "HpeiLOVirtualMedia" resource definitions.
 *     BootOnNextServerReset is accepted and not acted upon: set the boot override through Boot.
 *   - EjectMedia POSTed with no body at all is refused (415) and accepted with `{}` — observed on
 *     iLO and handled by clients: openstack/sushy, sushy/resources/manager/virtual_media.py
 *     eject_media() ("Some vendors like HPE iLO … needs to pass an empty dict").
 *   - PATCH of the ComputerSystem requires If-Match (428 PreconditionRequired without it) —
 *     HPE Redfish concepts, "ETags / conditional requests" (the If-Match header on PATCH); the
 *     set of resources enforcing it varies by firmware, the System is the one modelled.
 *   - ComputerSystem.Reset ResetType values On, ForceOff, GracefulShutdown, ForceRestart, Nmi,
 *     PushPowerButton, GracefulRestart (no PowerCycle, no ForceOn) — ComputerSystem resource
 *     definitions, "Actions: ComputerSystem.Reset".
 *   - OEM sections: Oem.Hpe on the System (PostState, PowerRegulatorMode) and the Manager
 *     (Firmware.Current.VersionString) — same resource definitions, "Oem.Hpe" properties.
 */
import type { RedfishPersona } from './redfish-persona.ts';
import type { Json } from './persona-kit.ts';
import { EJECT_MEDIA, emptyBody, INSERT_MEDIA, MANAGER, MANAGER_VMEDIA, refuseResetType, SYSTEM, withOem, withResetTypes } from './persona-kit.ts';
import { rfError } from '../redfish-errors.ts';

const RESET_TYPES = ['On', 'ForceOff', 'GracefulShutdown', 'ForceRestart', 'Nmi', 'PushPowerButton', 'GracefulRestart'];
const OEM_ACTION = (name: string, std: string) => ({
  from: new RegExp(`^(/redfish/v1/Managers/[^/]+/VirtualMedia/(?:Cd|Floppy))/Actions/Oem/Hpe/HpeiLOVirtualMedia\\.${name}$`),
  to: `$1/Actions/VirtualMedia.${std}`,
});

function system(body: Json): Json {
  const b = withResetTypes(body, '#ComputerSystem.Reset', RESET_TYPES);
  delete b.VirtualMedia;
  return withOem(b, 'Hpe', { PostState: body.PowerState === 'On' ? 'FinishedPost' : 'PowerOff', PowerRegulatorMode: 'OSControl' });
}

function virtualMedia(body: Json): Json {
  const id = body['@odata.id'] as string;
  const actions = body.Actions as Json;
  const oemActions = {
    '#HpeiLOVirtualMedia.InsertVirtualMedia': { target: `${id}/Actions/Oem/Hpe/HpeiLOVirtualMedia.InsertVirtualMedia` },
    '#HpeiLOVirtualMedia.EjectVirtualMedia': { target: `${id}/Actions/Oem/Hpe/HpeiLOVirtualMedia.EjectVirtualMedia` },
  };
  return withOem({ ...body, Actions: { ...actions, Oem: { Hpe: oemActions } } }, 'Hpe', { BootOnNextServerReset: false });
}

export const ilo: RedfishPersona = {
  name: 'ilo',
  summary: 'HPE iLO 5/6: Systems/1, vmedia Managers/1/VirtualMedia/{1,2} only (+ Oem.Hpe actions), If-Match required on System PATCH, no PowerCycle/ForceOn',
  deviations: [
    { id: 'ilo-no-system-vmedia', description: 'Systems/{id}/VirtualMedia is 404 (virtual media only under the Manager, as 1 and 2)' },
    { id: 'ilo-if-match-required', description: 'PATCH of a ComputerSystem without If-Match is 428 PreconditionRequired' },
    { id: 'ilo-eject-needs-body', description: 'EjectMedia POSTed without a body is 415; `{}` is accepted' },
    { id: 'ilo-no-power-cycle', description: 'ComputerSystem.Reset offers neither PowerCycle nor ForceOn; sending them is 400' },
  ],
  extensions: [
    { id: 'ilo-ids', description: 'per-system listener: Systems/1, Chassis/1, Managers/1' },
    { id: 'ilo-vmedia-names', description: 'Manager virtual media devices are 1 (Floppy/USBStick) and 2 (CD/DVD)' },
    { id: 'ilo-oem-vmedia-actions', description: 'Actions/Oem/Hpe/HpeiLOVirtualMedia.InsertVirtualMedia / EjectVirtualMedia and Oem.Hpe.BootOnNextServerReset (accepted)' },
    { id: 'ilo-oem-hpe', description: 'Oem.Hpe on the System (PostState, PowerRegulatorMode) and Manager (Firmware)' },
  ],
  ids: { system: '1', manager: '1' },
  renames: [
    { under: 'VirtualMedia', outside: '1', inside: 'Floppy' },
    { under: 'VirtualMedia', outside: '2', inside: 'Cd' },
  ],
  aliases: [OEM_ACTION('InsertVirtualMedia', 'InsertMedia'), OEM_ACTION('EjectVirtualMedia', 'EjectMedia')],
  hidden: [/^\/redfish\/v1\/Systems\/[^/]+\/VirtualMedia(\/|$)/, /\/VirtualMedia\/(Cd|Floppy)(\/|$)/],
  request(method, path, body, headers) {
    if (method === 'PATCH' && SYSTEM.test(path) && headers['if-match'] === undefined)
      throw rfError('BMC_PRECONDITION_REQUIRED', `PATCH ${path} needs If-Match with the resource's ETag (ilo persona)`);
    if (method === 'POST' && EJECT_MEDIA.test(path) && emptyBody(headers))
      throw rfError('BMC_UNSUPPORTED_MEDIA_TYPE', `EjectMedia on ${path}: a JSON body ({}) is required (ilo persona)`);
    if (method === 'POST' && INSERT_MEDIA.test(path)) delete body.Oem; // BootOnNextServerReset: accepted, not acted upon
    refuseResetType(method, path, body, RESET_TYPES, 'ilo');
  },
  reshape(path, body) {
    if (SYSTEM.test(path)) return system(body);
    if (MANAGER.test(path)) return withOem({ ...body, Model: 'iLO 5' }, 'Hpe', { Firmware: { Current: { VersionString: 'iLO 5 v2.78' } } });
    if (MANAGER_VMEDIA.test(path)) return virtualMedia(body);
    return body;
  },
};
