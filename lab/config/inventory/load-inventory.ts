/**
 * Loading and validating an inventory file. Every problem is reported with its path from the
 * document root (`inventory.machines[2].bmc.redfish.url: expected an http(s) URL`), shape and
 * cross-field problems together, so a user fixes the file in one go.
 *
 *   FILE ─▶ JSON.parse | import() default ─▶ InventorySchema.safeParse ─▶ issues ─┐
 *                          raw document ─▶ crossChecks (names, MACs, sites, BMCs) ├─▶ errors + warnings
 *
 * Cross checks read the raw document, so they report even when the shape has other problems.
 * A machine without `allowPowerControl: true` is a warning here (check can still probe it) and an
 * error for a run that would power it (requirePowerControl).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { FleetlabError } from '../../base/errors.ts';
import type { Problem } from '../../base/problem.ts';
import type { Inventory, InventoryMachine } from './inventory-schema.ts';
import { InventorySchema } from './inventory-schema.ts';

const ROOT = 'inventory';

export interface InventoryValidation {
  /** Present when there are no errors. */
  inventory?: Inventory;
  errors: Problem[];
  /** Problems that do not stop `inventory check` (a machine fleetlab may not power). */
  warnings: Problem[];
}

/** `inventory.machines[2].bmc.redfish.url` from zod's path segments. */
export function issuePath(path: readonly PropertyKey[]): string {
  let out = ROOT;
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_$][\w$]*$/.test(seg)) out += `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

function issueProblems(issues: readonly z.core.$ZodIssue[]): Problem[] {
  const out: Problem[] = [];
  for (const i of issues) {
    // An object-level "unrecognized keys" issue names each key: point at each one.
    if (i.code === 'unrecognized_keys') for (const k of i.keys) out.push({ path: issuePath([...i.path, k]), message: 'unknown field' });
    else out.push({ path: issuePath(i.path), message: i.message });
  }
  return out;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Problems the schema cannot see one field at a time. */
function crossChecks(raw: unknown, errors: Problem[], warnings: Problem[]): void {
  if (!isObj(raw) || !Array.isArray(raw.machines)) return;
  const sites = isObj(raw.sites) ? raw.sites : {};
  const names = new Map<string, number>();
  const macs = new Map<string, string>();
  raw.machines.forEach((m: unknown, i) => {
    const at = `${ROOT}.machines[${i}]`;
    if (!isObj(m)) return;
    if (typeof m.name === 'string') {
      const first = names.get(m.name);
      if (first !== undefined) errors.push({ path: `${at}.name`, message: `duplicate machine name '${m.name}' (also machines[${first}])` });
      else names.set(m.name, i);
    }
    if (typeof m.site === 'string' && !isObj(sites[m.site]))
      errors.push({ path: `${at}.site`, message: `site '${m.site}' has no lab interface: add ${issuePath(['sites', m.site])} = {interface: 'eth1'}` });
    if (isObj(m.bmc) && m.bmc.redfish === undefined && m.bmc.ipmi === undefined) errors.push({ path: `${at}.bmc`, message: 'give redfish or ipmi (or both)' });
    const rf = isObj(m.bmc) && isObj(m.bmc.redfish) ? m.bmc.redfish : undefined;
    if (rf?.caFile !== undefined && rf.insecure === true) errors.push({ path: `${at}.bmc.redfish`, message: 'give either caFile or insecure, not both' });
    if (isObj(m.ssh) && m.ssh.keyFile === undefined && m.ssh.password === undefined) errors.push({ path: `${at}.ssh`, message: 'give keyFile or password (by reference) for the SSH user' });
    if (Array.isArray(m.bootMacs))
      m.bootMacs.forEach((mac: unknown, j) => {
        if (typeof mac !== 'string') return;
        const key = mac.toLowerCase();
        const first = macs.get(key);
        if (first !== undefined) errors.push({ path: `${at}.bootMacs[${j}]`, message: `duplicate MAC ${key} (also ${first})` });
        else macs.set(key, `machines[${i}].bootMacs[${j}]`);
      });
    if (m.allowPowerControl === undefined) warnings.push({ path: `${at}.allowPowerControl`, message: 'not set: fleetlab will probe this machine but never touch its power or boot settings' });
  });
}

/** Validate an inventory document (already parsed). */
export function validateInventory(raw: unknown): InventoryValidation {
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  const parsed = InventorySchema.safeParse(raw);
  if (!parsed.success) errors.push(...issueProblems(parsed.error.issues));
  crossChecks(raw, errors, warnings);
  return { ...(parsed.success && errors.length === 0 ? { inventory: parsed.data } : {}), errors, warnings };
}

/** Read a JSON file or a TS/JS module's default export; INVENTORY_INVALID when neither loads. */
export async function readInventoryFile(file: string): Promise<unknown> {
  const path = resolve(file);
  if (!existsSync(path)) throw new FleetlabError('INVENTORY_INVALID', `${file}: no such file`);
  if (/\.json$/i.test(path)) {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as unknown;
    } catch (e) {
      throw new FleetlabError('INVENTORY_INVALID', `${file}: not valid JSON: ${(e as Error).message}`);
    }
  }
  if (!/\.[cm]?[jt]s$/i.test(path)) throw new FleetlabError('INVENTORY_INVALID', `${file}: expected a .json file or a .ts/.js module with a default export`);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (e) {
    throw new FleetlabError('INVENTORY_INVALID', `${file}: cannot load: ${(e as Error).message}`);
  }
  // tsx compiles a .ts outside an ESM package as CommonJS: `{default: {__esModule, default}}`.
  const d = mod.default as { __esModule?: boolean; default?: unknown } | undefined;
  return isObj(d) && d.__esModule === true ? d.default : d;
}

/** Load and validate; throws INVENTORY_INVALID listing every error. Warnings are returned. */
export async function loadInventory(file: string): Promise<{ inventory: Inventory; warnings: Problem[] }> {
  const v = validateInventory(await readInventoryFile(file));
  if (!v.inventory) {
    const lines = v.errors.map((p) => `  ${p.path}: ${p.message}`).join('\n');
    throw new FleetlabError('INVENTORY_INVALID', `${file}: ${v.errors.length} problem(s):\n${lines}`, { problems: v.errors });
  }
  return { inventory: v.inventory, warnings: v.warnings };
}

/** For a run that would power these machines: every one must allow it (INVENTORY_POWER_NOT_ALLOWED lists those that do not). */
export function requirePowerControl(machines: readonly InventoryMachine[]): void {
  const refused = machines.filter((m) => m.allowPowerControl !== true).map((m) => m.name);
  if (refused.length > 0)
    throw new FleetlabError('INVENTORY_POWER_NOT_ALLOWED', `allowPowerControl is not true for ${refused.join(', ')}: fleetlab will not touch their power or boot settings (set it in the inventory to allow)`, {
      machines: refused,
    });
}
