/**
 * Supermicro X11/X12-like persona (AMI-based BMC, Redfish 1.x firmware). What it models, and where
 * it is documented:
 *
 *   - Fixed resource ids Systems/1, Chassis/1, Managers/1 — "Supermicro Redfish Reference Guide"
 *     (X11/X12/H12), "Redfish resource URIs". Applied on a per-system listener; the shared
 *     listener keeps fleetlab's ids.
 *   - Virtual media under the Manager only: Managers/1/VirtualMedia/CD1 (and USB1), the
 *     #VirtualMedia.InsertMedia / EjectMedia actions — Reference Guide, "Virtual Media".
 *   - InsertMedia needs TransferProtocolType (400 ActionParameterMissing naming
 *     #/TransferProtocolType, MessageId Base.1.5.ActionParameterMissing) and refuses Inserted /
 *     WriteProtected (400 ActionParameterNotSupported) — Reference Guide, InsertMedia parameters;
 *     clients work around both: openstack/sushy, sushy/resources/manager/virtual_media.py
 *     insert_media() ("SuperMicro X11 will return an error if Inserted or WriteProtected are
 *     specified") and is_transfer_protocol_required() (matches exactly that MessageId).
 *   - Error MessageIds from the Base 1.5 registry (Base.1.5.*), which the service's own
 *     Registries collection does not carry — as the message above shows.
 *   - ComputerSystem.Reset ResetType values On, ForceOff, GracefulShutdown, GracefulRestart,
 *     ForceRestart, Nmi, ForceOn (no PowerCycle, no PushPowerButton) — Reference Guide,
 *     "ComputerSystem.Reset".
 *   - OEM sections: Oem.Supermicro on the System and Manager — Reference Guide, "OEM extensions".
 * Session behaviour is the generic one (SessionService with X-Auth-Token); not modelled further.
 */
import type { RedfishPersona } from './redfish-persona.ts';
import type { Json } from './persona-kit.ts';
import { INSERT_MEDIA, MANAGER, refuseResetType, SYSTEM, withOem, withResetTypes } from './persona-kit.ts';
import { rfError } from '../redfish-errors.ts';

const RESET_TYPES = ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart', 'Nmi', 'ForceOn'];

/** Base.1.15.X → Base.1.5.X in every string of an error body. */
function base15to5(v: unknown): unknown {
  if (typeof v === 'string') return v.replace(/^Base\.1\.15\./, 'Base.1.5.');
  if (Array.isArray(v)) return v.map(base15to5);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, base15to5(x)]));
}

function insertMedia(path: string, body: Json): void {
  for (const p of ['Inserted', 'WriteProtected'])
    if (p in body)
      throw rfError('BMC_ACTION_PARAM', `InsertMedia on ${path}: parameter ${p} is not supported (supermicro persona)`, { args: ['VirtualMedia.InsertMedia', p], property: `#/${p}` });
  if (body.TransferProtocolType === undefined)
    throw rfError('BMC_ACTION_PARAM_MISSING', `InsertMedia on ${path}: TransferProtocolType is required (supermicro persona)`, {
      args: ['VirtualMedia.InsertMedia', 'TransferProtocolType'],
      property: '#/TransferProtocolType',
    });
}

export const supermicro: RedfishPersona = {
  name: 'supermicro',
  summary: 'Supermicro X11/X12: Systems/1, vmedia Managers/1/VirtualMedia/CD1 only, InsertMedia needs TransferProtocolType and refuses Inserted/WriteProtected, Base.1.5 ids',
  deviations: [
    { id: 'supermicro-no-system-vmedia', description: 'Systems/{id}/VirtualMedia is 404 (virtual media only under the Manager, as CD1 and USB1)' },
    { id: 'supermicro-insert-needs-transfer-protocol', description: 'InsertMedia without TransferProtocolType is 400 ActionParameterMissing' },
    { id: 'supermicro-insert-refuses-inserted', description: 'InsertMedia with Inserted or WriteProtected is 400 ActionParameterNotSupported' },
    { id: 'supermicro-base-registry-1-5', description: 'error MessageIds are Base.1.5.*, a registry the service does not serve' },
    { id: 'supermicro-no-power-cycle', description: 'ComputerSystem.Reset offers neither PowerCycle nor PushPowerButton; sending them is 400' },
  ],
  extensions: [
    { id: 'supermicro-ids', description: 'per-system listener: Systems/1, Chassis/1, Managers/1' },
    { id: 'supermicro-vmedia-names', description: 'Manager virtual media devices are CD1 and USB1' },
    { id: 'supermicro-oem', description: 'Oem.Supermicro on the System and Manager' },
  ],
  ids: { system: '1', manager: '1' },
  renames: [
    { under: 'VirtualMedia', outside: 'CD1', inside: 'Cd' },
    { under: 'VirtualMedia', outside: 'USB1', inside: 'Floppy' },
  ],
  hidden: [/^\/redfish\/v1\/Systems\/[^/]+\/VirtualMedia(\/|$)/, /\/VirtualMedia\/(Cd|Floppy)(\/|$)/],
  request(method, path, body) {
    if (method === 'POST' && INSERT_MEDIA.test(path)) insertMedia(path, body);
    refuseResetType(method, path, body, RESET_TYPES, 'supermicro');
  },
  reshape(path, body) {
    if (SYSTEM.test(path)) {
      const b = withResetTypes(body, '#ComputerSystem.Reset', RESET_TYPES);
      delete b.VirtualMedia;
      return withOem(b, 'Supermicro', { BIOSUpdateMode: 'Disabled' });
    }
    if (MANAGER.test(path)) return withOem(body, 'Supermicro', { SMCRAKP: { Mode: 'Enabled' } });
    return body;
  },
  reshapeError: (_path, body) => base15to5(body) as Json,
};
