/**
 * Building blocks the vendor personas share, so each persona file says *what* its BMC does and
 * not how to patch a body: which reset types it offers (advertised and enforced), its OEM
 * sections, the paths of the resources they apply to.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Method } from '../handler-context.ts';
import { rfError } from '../redfish-errors.ts';

export type Json = Record<string, unknown>;

export const V1 = '/redfish/v1';
export const SYSTEM = /^\/redfish\/v1\/Systems\/[^/]+$/;
export const MANAGER = /^\/redfish\/v1\/Managers\/[^/]+$/;
export const SYSTEM_RESET = /^\/redfish\/v1\/Systems\/[^/]+\/Actions\/ComputerSystem\.Reset$/;
export const MANAGER_RESET = /^\/redfish\/v1\/Managers\/[^/]+\/Actions\/Manager\.Reset$/;
export const MANAGER_VMEDIA = /^\/redfish\/v1\/Managers\/[^/]+\/VirtualMedia\/(Cd|Floppy)$/;
export const INSERT_MEDIA = /^\/redfish\/v1\/Managers\/[^/]+\/VirtualMedia\/(Cd|Floppy)\/Actions\/VirtualMedia\.InsertMedia$/;
export const EJECT_MEDIA = /^\/redfish\/v1\/Managers\/[^/]+\/VirtualMedia\/(Cd|Floppy)\/Actions\/VirtualMedia\.EjectMedia$/;

/** Refuse (400 ActionParameterValueNotInList) a Reset whose ResetType this BMC does not offer. */
export function refuseResetType(method: Method, path: string, body: Json, allowed: readonly string[], persona: string, route = SYSTEM_RESET): void {
  if (method !== 'POST' || !route.test(path) || typeof body.ResetType !== 'string' || allowed.includes(body.ResetType)) return;
  const action = route === SYSTEM_RESET ? 'ComputerSystem.Reset' : 'Manager.Reset';
  throw rfError('BMC_ACTION_PARAM_VALUE', `${action}: ResetType '${body.ResetType}' is not supported by this BMC (${persona} persona; offered: ${allowed.join(', ')})`, {
    args: [body.ResetType, 'ResetType', action],
    property: '#/ResetType',
  });
}

/** A System or Manager body advertising `allowed` as its Reset action's ResetType values. */
export function withResetTypes(body: Json, action: '#ComputerSystem.Reset' | '#Manager.Reset', allowed: readonly string[]): Json {
  const actions = body.Actions as Record<string, Json>;
  return { ...body, Actions: { ...actions, [action]: { ...actions[action], 'ResetType@Redfish.AllowableValues': [...allowed] } } };
}

/** The body with `Oem.<vendor>` set (other vendors' sections kept). */
export function withOem(body: Json, vendor: string, section: Json): Json {
  return { ...body, Oem: { ...(body.Oem as Json | undefined), [vendor]: section } };
}

/** True when a POST carried no body at all (no bytes), as opposed to `{}`. */
export function emptyBody(headers: IncomingHttpHeaders): boolean {
  return (headers['content-length'] === undefined || headers['content-length'] === '0') && headers['transfer-encoding'] === undefined;
}
