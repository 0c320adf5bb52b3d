/**
 * The hardware inventory file: machines fleetlab did not create, known only by their BMC
 * addresses, credential references, boot NIC MACs and the lab interface their site boots on.
 * The zod schema is the one source of truth: types come from it, `inventoryJsonSchema()` exports
 * it for editors, and validation (load-inventory.ts) reports every problem with its path.
 *
 *   file (JSON | TS default export) ─▶ InventorySchema (shape, units) ─▶ cross checks ─▶ Inventory
 *
 * Secrets are never in the file: a credential is `{env: 'VAR'}` or `{file: '/path'}`, resolved
 * at use time (credentials.ts). No message here quotes an input value of a credential field.
 */
import { z } from 'zod';
import { Problems } from '../../base/problem.ts';
import { parseDuration } from '../../base/units.ts';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const ENV_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
// A Linux interface name (IFNAMSIZ 16 incl. NUL): eth1, br-lab, eth1.100, enp3s0f1.
const IFNAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,14}$/;
const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

const name = (what: string) => z.string().regex(NAME_RE, { error: `expected a ${what} name (letters, digits, '.', '_', '-'; at most 63)` });
const absPath = z.string().startsWith('/', { error: 'expected an absolute path' });

/** A secret by reference: the inventory names where it is, never what it is. */
export const CredentialRefSchema = z.union([z.strictObject({ env: z.string().regex(ENV_RE, { error: 'expected an environment variable name' }) }), z.strictObject({ file: absPath })], {
  error: (iss) =>
    typeof iss.input === 'string'
      ? "an inline secret is not allowed: give {env: 'VAR'} or {file: '/path'} (the value is resolved when used)"
      : "expected {env: 'VAR'} or {file: '/absolute/path'}",
});

const httpUrl = z.string().refine(
  (v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.username === '' && u.password === '';
    } catch {
      return false;
    }
  },
  { error: 'expected an http(s) URL without credentials in it' },
);

export const RedfishBmcSchema = z.strictObject({
  url: httpUrl,
  /** Systems/{id}; default the service's only (first) system. */
  systemId: z.string().min(1).optional(),
  /** Like Ironic's redfish_auth_type (default 'auto': session, else Basic). */
  authType: z.enum(['session', 'basic', 'auto']).default('auto'),
  /** CA (or the BMC's own self-signed certificate) to trust for https. */
  caFile: absPath.optional(),
  /** Accept any certificate: a named opt-in, never a default. */
  insecure: z.boolean().optional(),
});

export const IpmiBmcSchema = z.strictObject({
  host: z.string().min(1),
  port: z.int().min(1).max(65535).default(623),
  cipherSuite: z.int().min(0).max(17).default(17),
  privilege: z.enum(['CALLBACK', 'USER', 'OPERATOR', 'ADMINISTRATOR']).default('ADMINISTRATOR'),
});

/** A duration in the lab spec's grammar ('90s', '2m', '1500ms') or a bare number of ms (the field says Ms). */
const duration = z.union([z.number().nonnegative(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const problems = new Problems();
  const ms = parseDuration(v, '', problems, '90s');
  if (ms === undefined) {
    ctx.issues.push({ code: 'custom', message: problems.list[0]!.message, input: v });
    return z.NEVER;
  }
  return ms;
});

/** The checks run over SSH after a machine reports ready, when `checks` is not given. */
export const DEFAULT_CHECKS = ['image-identity', 'root-filesystem', 'disks-present', 'lab-nic-address'] as const;

export const CheckSchema = z.union([
  z.enum(DEFAULT_CHECKS),
  z.strictObject({
    name: name('check'),
    /** A shell command run as the SSH user; exit 0 passes. */
    command: z.string().min(1),
    /** A regular expression stdout must match, too. */
    expect: z.string().optional(),
  }),
]);

export const SshAccessSchema = z.strictObject({
  user: z.string().min(1),
  /** Private key for the SSH user (give this or `password`). */
  keyFile: absPath.optional(),
  /** Password login, by reference like the BMC's. */
  password: CredentialRefSchema.optional(),
  /** strict: known_hosts must hold the key; accept-new: record a first key; insecure: accept any. */
  hostKeyPolicy: z.enum(['strict', 'accept-new', 'insecure']).default('strict'),
  port: z.int().min(1).max(65535).default(22),
  /** Address to reach it at (default: the lease its boot NIC gets on the lab interface). */
  host: z.string().min(1).optional(),
});

export const MachineSchema = z.strictObject({
  name: name('machine'),
  site: name('site'),
  profile: z.string().min(1).optional(),
  labels: z.record(z.string(), z.string()).default({}),
  bmc: z.strictObject({ redfish: RedfishBmcSchema.optional(), ipmi: IpmiBmcSchema.optional() }),
  credentials: z.strictObject({ username: CredentialRefSchema, password: CredentialRefSchema }),
  bootMacs: z.array(z.string().regex(MAC_RE, { error: "expected a MAC like '52:54:00:12:34:56'" })).min(1, { error: 'give at least one boot NIC MAC' }),
  /** Firmware boot mode for the PXE override (default uefi). */
  bootMode: z.enum(['uefi', 'legacy']).default('uefi'),
  ssh: SshAccessSchema.optional(),
  timings: z.strictObject({ powerOnToDhcpMs: duration.optional(), rebootMs: duration.optional() }).default({}),
  checks: z.array(CheckSchema).optional(),
  /** Without it nothing may touch this machine's power or boot settings. */
  allowPowerControl: z.literal(true, { error: 'expected true (leave it out to forbid power and boot changes)' }).optional(),
});

export const SiteSchema = z.strictObject({
  /** The host interface this site's machines boot on: a NIC, a VLAN sub-interface or a bridge. */
  interface: z.string().regex(IFNAME_RE, { error: "expected an interface name like 'eth1', 'br-lab' or 'eth1.100'" }),
});

export const InventorySchema = z.strictObject({
  /** JSON Schema reference for editors; ignored. */
  $schema: z.string().optional(),
  sites: z.record(z.string().regex(NAME_RE, { error: 'expected a site name' }), SiteSchema),
  machines: z.array(MachineSchema).min(1, { error: 'list at least one machine' }),
});

export type Inventory = z.output<typeof InventorySchema>;
export type InventoryInput = z.input<typeof InventorySchema>;
export type InventoryMachine = z.output<typeof MachineSchema>;
export type CredentialRef = z.output<typeof CredentialRefSchema>;
export type SshCheck = z.output<typeof CheckSchema>;

/** The file format as JSON Schema (draft 2020-12), for `$schema` in editors. */
export function inventoryJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(InventorySchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
