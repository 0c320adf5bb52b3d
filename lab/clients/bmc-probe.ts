/**
 * Read-only probe of an inventory machine's BMCs, for `fleetlab inventory check`: is it
 * reachable, are the credentials good, what power state, which boot overrides it takes, what
 * firmware, and (IPMI) which cipher suites it offers. It sends no PATCH, no action POST, no
 * power, boot or chassis-control command: Redfish GETs only (plus the session login/logout the
 * configured auth needs), ipmitool status/get commands only.
 *
 *   machine ─▶ inventoryClients ─▶ redfish: GET root, System, Manager ─┐
 *                                └▶ ipmi: power status, bootparam get 5, ├─▶ ProbeResult (secrets scrubbed)
 *                                         mc info, channel getciphers  ─┘
 */
import { isFleetlabError } from '../base/errors.ts';
import type { InventoryMachine } from '../config/inventory/inventory-schema.ts';
import type { InventoryClientOptions } from './machine-from-inventory.ts';
import { inventoryClients } from './machine-from-inventory.ts';
import type { IpmitoolClient } from './ipmi/ipmitool-client.ts';
import type { RedfishSystem } from './redfish/redfish-system.ts';

export interface ProbeFailure {
  /** FLEETLAB_ERR_* of what failed. */
  code: string;
  message: string;
}

export interface RedfishProbe {
  url: string;
  ok: boolean;
  authMode?: 'session' | 'basic';
  powerState?: string;
  bootTargets?: string[];
  bootModes?: string[];
  firmwareVersion?: string;
  failure?: ProbeFailure;
}

export interface IpmiProbe {
  address: string;
  ok: boolean;
  powerState?: 'on' | 'off';
  /** Boot parameter 5 was readable, and what it holds. */
  bootFlags?: { valid: boolean; device: string; efi: boolean; persistent: boolean };
  firmwareRevision?: string;
  ipmiVersion?: string;
  cipherSuites?: number[];
  failure?: ProbeFailure;
}

export interface ProbeResult {
  machine: string;
  verdict: 'ok' | 'failed';
  reasons: string[];
  redfish?: RedfishProbe;
  ipmi?: IpmiProbe;
}

function failure(e: unknown, scrub: (s: string) => string): ProbeFailure {
  if (isFleetlabError(e)) return { code: e.code, message: scrub(e.message) };
  return { code: 'unknown', message: scrub(e instanceof Error ? e.message : String(e)) };
}

interface Link {
  '@odata.id': string;
}

async function probeRedfish(sys: RedfishSystem, scrub: (s: string) => string): Promise<RedfishProbe> {
  const out: RedfishProbe = { url: sys.client.url, ok: false };
  try {
    await sys.client.connect();
    if (sys.client.authMode) out.authMode = sys.client.authMode;
    const r = (await sys.resource()) as Record<string, unknown> & { PowerState?: string; Boot?: Record<string, unknown>; Links?: { ManagedBy?: Link[] } };
    if (r.PowerState) out.powerState = r.PowerState;
    const targets = r.Boot?.['BootSourceOverrideTarget@Redfish.AllowableValues'];
    if (Array.isArray(targets)) out.bootTargets = targets.map(String);
    const modes = r.Boot?.['BootSourceOverrideMode@Redfish.AllowableValues'];
    if (Array.isArray(modes)) out.bootModes = modes.map(String);
    const mgr = r.Links?.ManagedBy?.[0]?.['@odata.id'];
    if (mgr) {
      const fw = (await sys.client.get<{ FirmwareVersion?: string }>(mgr)).body.FirmwareVersion;
      if (fw) out.firmwareVersion = fw;
    }
    out.ok = true;
  } catch (e) {
    out.failure = failure(e, scrub);
  }
  return out;
}

/** IDs from `ipmitool channel getciphers ipmi` (first column of each table row). */
export function parseCipherIds(text: string): number[] {
  return text
    .split('\n')
    .map((l) => /^\s*(\d+)\s/.exec(l)?.[1])
    .filter((x): x is string => x !== undefined)
    .map(Number);
}

async function probeIpmi(c: IpmitoolClient, scrub: (s: string) => string): Promise<IpmiProbe> {
  const out: IpmiProbe = { address: `${c.target.host}:${c.target.port ?? 623}`, ok: false };
  try {
    out.powerState = await c.powerStatus();
    const f = await c.bootFlags();
    out.bootFlags = { valid: f.valid, device: f.device, efi: f.efi, persistent: f.persistent };
    const mc = await c.mcInfo();
    out.firmwareRevision = mc.firmwareRevision;
    out.ipmiVersion = mc.ipmiVersion;
    out.cipherSuites = parseCipherIds(await c.run(['channel', 'getciphers', 'ipmi']));
    out.ok = true;
  } catch (e) {
    out.failure = failure(e, scrub);
  }
  return out;
}

function reasonsOf(p: ProbeResult): string[] {
  const r: string[] = [];
  if (p.redfish) {
    const x = p.redfish;
    if (x.failure) r.push(`redfish ${x.url}: ${x.failure.code}: ${x.failure.message}`);
    else {
      r.push(`redfish ${x.url}: ${x.authMode ?? '?'} auth, power ${x.powerState ?? '?'}, firmware ${x.firmwareVersion ?? '?'}`);
      r.push(x.bootTargets?.includes('Pxe') ? `redfish boot override: ${x.bootTargets.join('/')}${x.bootModes ? ` (${x.bootModes.join('/')})` : ''}` : 'redfish boot override: Pxe not among the allowable targets');
    }
  }
  if (p.ipmi) {
    const x = p.ipmi;
    if (x.failure) r.push(`ipmi ${x.address}: ${x.failure.code}: ${x.failure.message}`);
    else r.push(`ipmi ${x.address}: power ${x.powerState}, bootparam 5 readable (${x.bootFlags?.valid ? x.bootFlags.device : 'no override'}), firmware ${x.firmwareRevision}, IPMI ${x.ipmiVersion}, cipher suites ${x.cipherSuites?.join(',') || 'none listed'}`);
  }
  return r;
}

/** Probe one machine read-only. Never throws: an unresolvable credential is a failed probe, too. */
export async function probeMachine(m: InventoryMachine, o: InventoryClientOptions = {}): Promise<ProbeResult> {
  let clients: ReturnType<typeof inventoryClients>;
  try {
    clients = inventoryClients(m, o);
  } catch (e) {
    const f = failure(e, (s) => s);
    return { machine: m.name, verdict: 'failed', reasons: [`${f.code}: ${f.message}`] };
  }
  const secrets = clients.secrets.filter((s) => s.length > 0);
  const scrub = (s: string) => secrets.reduce((acc, x) => acc.split(x).join('***'), s);
  const result: ProbeResult = { machine: m.name, verdict: 'failed', reasons: [] };
  try {
    const [rf, ip] = await Promise.all([clients.redfish ? probeRedfish(clients.redfish, scrub) : undefined, clients.ipmi ? probeIpmi(clients.ipmi, scrub) : undefined]);
    if (rf) result.redfish = rf;
    if (ip) result.ipmi = ip;
  } finally {
    await clients.close().catch(() => undefined);
  }
  result.verdict = (result.redfish?.ok ?? true) && (result.ipmi?.ok ?? true) ? 'ok' : 'failed';
  result.reasons = reasonsOf(result);
  return result;
}
