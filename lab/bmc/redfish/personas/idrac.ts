/**
 * Dell iDRAC9-like persona (PowerEdge 14G/15G, iDRAC9 firmware 4.x–5.x). What it models, and where
 * Dell documents it:
 *
 *   - Fixed resource ids: Systems/System.Embedded.1, Chassis/System.Embedded.1,
 *     Managers/iDRAC.Embedded.1 — "iDRAC9 Redfish API Guide" (Dell Technologies), chapters
 *     ComputerSystem, Chassis and Manager (URIs listed per resource; also in Dell's
 *     iDRAC-Redfish-Scripting repository, github.com/dell/iDRAC-Redfish-Scripting). Applied on a
 *     per-system listener; the shared listener keeps fleetlab's ids (it serves many systems).
 *   - Virtual media under the Manager only, devices CD and RemovableDisk:
 *     Managers/iDRAC.Embedded.1/VirtualMedia/CD with #VirtualMedia.InsertMedia / EjectMedia
 *     actions — API Guide, "VirtualMedia" (Dell's InsertEjectVirtualMediaREDFISH script uses
 *     exactly these URIs). Systems/…/VirtualMedia only appeared with iDRAC9 6.00, so it is 404 here.
 *   - VirtualMedia is changed through the actions only: the resource allows GET (PATCH 405) —
 *     API Guide, VirtualMedia "Supported HTTP methods".
 *   - ComputerSystem.Reset ResetType values On, ForceOff, ForceRestart, GracefulRestart,
 *     GracefulShutdown, PushPowerButton, Nmi, PowerCycle (no ForceOn) — API Guide,
 *     "ComputerSystem.Reset"; Manager.Reset offers GracefulRestart only — API Guide, "Manager.Reset".
 *   - Jobs: Dell's job queue at Managers/iDRAC.Embedded.1/Jobs (and Jobs/{id}) lists the same
 *     work as the TaskService — API Guide, "DellJobService" / "Jobs"; here an alias of
 *     TaskService/Tasks (a SimpleUpdate shows up as a job).
 *   - OEM sections: Oem.Dell.DellSystem on the System, Oem.Dell.DelliDRACCard on the Manager —
 *     API Guide, "Dell OEM extensions" (only a few identifying properties are rendered).
 */
import type { RedfishPersona } from './redfish-persona.ts';
import type { Json } from './persona-kit.ts';
import { MANAGER, MANAGER_RESET, MANAGER_VMEDIA, refuseResetType, SYSTEM, withOem, withResetTypes } from './persona-kit.ts';
import { rfError } from '../redfish-errors.ts';

const RESET_TYPES = ['On', 'ForceOff', 'ForceRestart', 'GracefulRestart', 'GracefulShutdown', 'PushPowerButton', 'Nmi', 'PowerCycle'];
const MANAGER_RESET_TYPES = ['GracefulRestart'];

function system(body: Json): Json {
  const b = withResetTypes(body, '#ComputerSystem.Reset', RESET_TYPES);
  delete b.VirtualMedia;
  return withOem(b, 'Dell', { DellSystem: { Id: body.Id, SystemGeneration: '15G Monolithic', ManagedSystemSize: '1 U', LastSystemInventoryTime: null } });
}

function manager(body: Json): Json {
  const b = withResetTypes(body, '#Manager.Reset', MANAGER_RESET_TYPES);
  return withOem({ ...b, Model: '15G Monolithic', FirmwareVersion: '5.10.50.00' }, 'Dell', { DelliDRACCard: { IPMIVersion: '2.0', URLString: '/restgui/start.html' } });
}

export const idrac: RedfishPersona = {
  name: 'idrac',
  summary: 'Dell iDRAC9 (4.x–5.x): System.Embedded.1 / iDRAC.Embedded.1, vmedia CD/RemovableDisk under the Manager only, no ForceOn, Oem.Dell, Jobs',
  deviations: [
    { id: 'idrac-no-system-vmedia', description: 'Systems/{id}/VirtualMedia is 404 (virtual media only under the Manager, as CD and RemovableDisk)' },
    { id: 'idrac-vmedia-no-patch', description: 'PATCH on a VirtualMedia resource is 405: insert and eject only through the actions' },
    { id: 'idrac-no-force-on', description: 'ComputerSystem.Reset does not offer ForceOn; sending it is 400' },
    { id: 'idrac-manager-reset-graceful-only', description: 'Manager.Reset offers GracefulRestart only; ForceRestart is 400' },
  ],
  extensions: [
    { id: 'idrac-ids', description: 'per-system listener: Systems/System.Embedded.1, Chassis/System.Embedded.1, Managers/iDRAC.Embedded.1' },
    { id: 'idrac-vmedia-names', description: 'Manager virtual media devices are CD and RemovableDisk' },
    { id: 'idrac-jobs', description: 'Managers/{id}/Jobs[/{job}] serves the TaskService tasks (Dell job queue view)' },
    { id: 'idrac-oem-dell', description: 'Oem.Dell.DellSystem on the System, Oem.Dell.DelliDRACCard on the Manager' },
  ],
  ids: { system: 'System.Embedded.1', manager: 'iDRAC.Embedded.1' },
  renames: [
    { under: 'VirtualMedia', outside: 'CD', inside: 'Cd' },
    { under: 'VirtualMedia', outside: 'RemovableDisk', inside: 'Floppy' },
  ],
  aliases: [{ from: /^\/redfish\/v1\/Managers\/[^/]+\/Jobs(\/[^/]+)?$/, to: '/redfish/v1/TaskService/Tasks$1' }],
  hidden: [/^\/redfish\/v1\/Systems\/[^/]+\/VirtualMedia(\/|$)/, /\/VirtualMedia\/(Cd|Floppy)(\/|$)/],
  request(method, path, body) {
    if (method === 'PATCH' && MANAGER_VMEDIA.test(path))
      throw rfError('BMC_METHOD', `PATCH is not allowed on ${path} (idrac persona: use #VirtualMedia.InsertMedia / EjectMedia)`, { headers: { Allow: 'GET, HEAD' } });
    refuseResetType(method, path, body, RESET_TYPES, 'idrac');
    refuseResetType(method, path, body, MANAGER_RESET_TYPES, 'idrac', MANAGER_RESET);
  },
  reshape(path, body) {
    if (SYSTEM.test(path)) return system(body);
    if (MANAGER.test(path)) return manager(body);
    return body;
  },
};
