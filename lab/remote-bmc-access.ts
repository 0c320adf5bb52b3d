/**
 * What a target is told about a hardware node's BMC: the inventory's Redfish URL / IPMI address
 * and the resolved credentials (a target such as the reference server or Ironic powers the node
 * itself, so it needs them). Resolved once per node; a reference that does not resolve leaves
 * them empty (the node is already blocked with INVENTORY_CREDENTIAL by the hardware tier).
 */
import type { Inventory } from './config/inventory/inventory-schema.ts';
import { machineCredentials } from './config/inventory/credentials.ts';

export interface RemoteBmcAccess {
  redfish?: { url: string; systemId: string };
  ipmi?: { host: string; port: number };
  username: string;
  password: string;
}

export function remoteBmcOf(inv: Inventory, node: string): RemoteBmcAccess {
  const m = inv.machines.find((x) => x.name === node)!;
  let cred = { username: '', password: '' };
  try {
    cred = machineCredentials(m);
  } catch {
    // reported as the node's failure when the tier connects
  }
  return {
    ...(m.bmc.redfish ? { redfish: { url: m.bmc.redfish.url.replace(/\/+$/, ''), systemId: m.bmc.redfish.systemId ?? m.name } } : {}),
    ...(m.bmc.ipmi ? { ipmi: { host: m.bmc.ipmi.host, port: m.bmc.ipmi.port } } : {}),
    username: cred.username,
    password: cred.password,
  };
}
