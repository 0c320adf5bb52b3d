/**
 * Resolves `--target SPEC` to a target definition, in this order:
 *
 *   built-in name (registry.ts) ─▶ path (./x.ts, /abs/x.ts: relative to cwd) ─▶ discovered name
 *   (./targets/SPEC.ts in cwd) ─▶ installed package (cwd's node_modules) ─▶ unknown (undefined)
 *
 * A module that exists but fails to load, or exports no definition, is an error with the module's
 * own message (FLEETLAB_ERR_TARGET_LOAD, exit 2): the user must see why their file broke.
 */
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FleetlabError } from '../../../lab/base/errors.ts';
import { builtinTargets } from '../registry.ts';
import { isTargetDefinition, type TargetDefinition } from './define-target.ts';
import { resolvePackageEntry } from './resolve-package.ts';

/** Where discovered targets live, relative to cwd. */
export const DISCOVERY_DIR = 'targets';

export function isTargetPath(spec: string): boolean {
  return spec.startsWith('.') || isAbsolute(spec) || /\.(m?[jt]s)$/.test(spec);
}

export async function loadTarget(spec: string, cwd = process.cwd()): Promise<TargetDefinition | undefined> {
  const builtin = Object.hasOwn(builtinTargets, spec) ? builtinTargets[spec] : undefined;
  if (builtin) return builtin();
  if (isTargetPath(spec)) {
    const file = resolve(cwd, spec);
    if (!existsSync(file)) throw new FleetlabError('TARGET_LOAD', `--target ${spec}: no such file (${file})`);
    return importTarget(spec, file);
  }
  const discovered = join(cwd, DISCOVERY_DIR, `${spec}.ts`);
  if (existsSync(discovered)) return importTarget(spec, discovered);
  const entry = resolvePackageEntry(spec, cwd);
  return entry ? importTarget(spec, entry) : undefined;
}

/** Target modules in cwd's ./targets/ (test files excluded), by file name. */
export function discoveredTargetFiles(cwd = process.cwd()): string[] {
  const dir = join(cwd, DISCOVERY_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .sort()
    .map((f) => join(dir, f));
}

export async function importTarget(spec: string, file: string): Promise<TargetDefinition> {
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (e) {
    const err = e as Error;
    // The first stack frames say where it broke (a syntax error's position is in the message).
    const where = err.stack?.split('\n').find((l) => l.trim().startsWith('at '))?.trim();
    throw new FleetlabError('TARGET_LOAD', `--target ${spec}: cannot load ${file}: ${err?.message ?? String(e)}${where ? `\n  ${where}` : ''}`);
  }
  if (!isTargetDefinition(mod.default)) {
    throw new FleetlabError('TARGET_LOAD', `--target ${spec}: ${file} must \`export default defineTarget({name, options, create})\` (from 'fleetlab'); its default export is ${describe(mod.default)}`);
  }
  return mod.default;
}

const describe = (x: unknown) => (x === undefined ? 'missing' : x === null ? 'null' : Array.isArray(x) ? 'an array' : `a ${typeof x}`);
