/**
 * From an inventory entry to the clients that reach its BMC, and to a `RemoteMachine` the harness
 * drives like any other node. Credentials are resolved here, at use time, and go only into the
 * client constructors (which keep them out of events, transcripts and messages).
 *
 *   InventoryMachine ─▶ machineCredentials ─▶ RedfishClient + RedfishSystem │ IpmitoolClient
 *                    └▶ allowPowerControl? ─▶ RemoteMachine (redfish preferred, else ipmi)
 */
import { FleetlabError } from '../base/errors.ts';
import type { Inventory as HardwareInventory } from '../base/machine.ts';
import type { InventoryMachine } from '../config/inventory/inventory-schema.ts';
import { machineCredentials } from '../config/inventory/credentials.ts';
import { requirePowerControl } from '../config/inventory/load-inventory.ts';
import type { IpmiTarget } from './ipmi/ipmi-options.ts';
import { IpmitoolClient } from './ipmi/ipmitool-client.ts';
import { ipmiRemoteBmc } from './ipmi/ipmi-remote-bmc.ts';
import type { RedfishClientOptions } from './redfish/redfish-client.ts';
import { RedfishClient } from './redfish/redfish-client.ts';
import { redfishRemoteBmc } from './redfish/redfish-remote-bmc.ts';
import { RedfishSystem } from './redfish/redfish-system.ts';
import type { RemoteMachineOptions } from './remote-machine.ts';
import { RemoteMachine } from './remote-machine.ts';

export interface InventoryClientOptions {
  /** Passed to the Redfish client (timeouts, retries, transcript, events). */
  redfish?: Partial<Omit<RedfishClientOptions, 'url' | 'username' | 'password' | 'auth' | 'caFile' | 'insecure'>>;
  /** Passed to the ipmitool wrapper (retries, timeoutSec, onSpawn). */
  ipmi?: Partial<Pick<IpmiTarget, 'retries' | 'timeoutSec' | 'onSpawn'>>;
}

export interface InventoryClients {
  redfish?: RedfishSystem;
  ipmi?: IpmitoolClient;
  /** Values to scrub from anything printed (defence in depth; the clients never print them). */
  secrets: string[];
  close(): Promise<void>;
}

/** Clients for every BMC the entry lists. Throws INVENTORY_CREDENTIAL when a reference does not resolve. */
export function inventoryClients(m: InventoryMachine, o: InventoryClientOptions = {}): InventoryClients {
  const cred = machineCredentials(m);
  const out: InventoryClients = { secrets: [cred.password], close: async () => undefined };
  const rf = m.bmc.redfish;
  if (rf) {
    const client = new RedfishClient({
      ...o.redfish,
      url: rf.url,
      username: cred.username,
      password: cred.password,
      auth: rf.authType,
      ...(rf.caFile ? { caFile: rf.caFile } : {}),
      ...(rf.insecure ? { insecure: true } : {}),
    });
    out.redfish = new RedfishSystem(client, rf.systemId);
    out.close = () => client.close();
  }
  const ip = m.bmc.ipmi;
  if (ip) {
    // A {file} password goes to ipmitool as -f <file> unread; an {env} one through -E.
    const pw = m.credentials.password;
    out.ipmi = new IpmitoolClient({
      ...o.ipmi,
      host: ip.host,
      port: ip.port,
      cipherSuite: ip.cipherSuite,
      privilege: ip.privilege,
      username: cred.username,
      ...('file' in pw ? { passwordFile: pw.file } : { password: cred.password }),
    });
  }
  return out;
}

/** What RemoteMachine reports as the machine's inventory: what the file says (boot NICs), the rest unknown. */
function hardwareInventory(m: InventoryMachine): HardwareInventory {
  return {
    vendor: m.labels.vendor ?? 'unknown',
    model: m.profile ?? m.labels.model ?? 'unknown',
    serial: m.name,
    uuid: '00000000-0000-0000-0000-000000000000',
    biosVersion: 'unknown',
    firmware: m.bootMode === 'legacy' ? 'bios' : 'uefi',
    cpu: { model: 'unknown', sockets: 0, coresPerSocket: 0, threadsPerCore: 0, mhz: 0 },
    memoryGiB: 0,
    disks: [],
    nics: m.bootMacs.map((mac, i) => ({ name: `boot${i}`, mac: mac.toLowerCase(), speedMbps: 0 })),
  };
}

/**
 * A RemoteMachine over the entry's BMC (Redfish when listed, else IPMI), its state read from the
 * BMC. Refuses (INVENTORY_POWER_NOT_ALLOWED) an entry without `allowPowerControl: true`: a
 * RemoteMachine can power and re-boot, so one is never built for a machine that forbids it.
 */
export async function machineFromInventory(m: InventoryMachine, o: InventoryClientOptions & { machine?: RemoteMachineOptions } = {}): Promise<RemoteMachine> {
  requirePowerControl([m]);
  const c = inventoryClients(m, o);
  const bmc = c.redfish ? redfishRemoteBmc(c.redfish) : c.ipmi ? ipmiRemoteBmc(c.ipmi) : undefined;
  if (!bmc) throw new FleetlabError('INVENTORY_INVALID', `inventory machine ${m.name}: no BMC (give redfish or ipmi)`);
  try {
    return await RemoteMachine.connect(m.name, bmc, { inventory: hardwareInventory(m), ...o.machine });
  } catch (e) {
    await bmc.close();
    throw e;
  }
}
