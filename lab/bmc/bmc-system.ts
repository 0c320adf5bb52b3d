/**
 * One emulated BMC: the machine it controls, its credentials and where it listens. The Redfish
 * and IPMI emulators serve the same list of these, so a node has one identity under both.
 */
import type { Machine } from '../base/machine.ts';
import type { BmcFaults } from '../faults/fault-hooks.ts';

export interface BmcCredentials {
  username: string;
  password: string;
  /** Highest IPMI privilege this account may reach (default administrator): a USER-level account for client tests. */
  ipmiPrivilege?: 'user' | 'operator' | 'admin';
}

export interface BmcSystem {
  /** Redfish system id (`/redfish/v1/Systems/{id}`) and the `bmc` field of bmc.request events. */
  id: string;
  machine: Machine;
  credentials: BmcCredentials;
  /** Own IPMI listener (e.g. 127.30.0.5:623, or 127.0.0.1:<port>) when the lab gives one. */
  ipmi?: { host: string; port: number };
  /** Own Redfish listener in addition to the shared one, when configured. */
  redfish?: { host: string; port: number };
  /** Management-plane faults for this BMC (hang, slow, errors, auth failure); absent = none. */
  faults?: BmcFaults;
  /** Redfish persona of this BMC (redfish/personas/; from its hardware profile's `bmc.persona`); absent = the server's. */
  persona?: string;
}
