/**
 * Loads a scenario file and turns `--param k=v` strings into typed params, reporting every
 * problem with its path (exit 2) before anything starts.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import type { Params, ScenarioDefinition } from '../scenario.ts';
import { FleetlabError } from '../../lab/base/errors.ts';
import { Problems } from '../../lab/base/problem.ts';

/**
 * The default export of a loaded module. A `.ts` file outside an ESM package is compiled as
 * CommonJS by tsx, and `import()` of it yields `{default: module.exports}` where module.exports
 * is itself `{__esModule: true, default: …}`: unwrap that one level.
 */
export function esModuleDefault(mod: { default?: unknown }): unknown {
  const d = mod.default as { __esModule?: boolean; default?: unknown } | undefined;
  return d && typeof d === 'object' && d.__esModule === true && 'default' in d ? d.default : d;
}

export async function loadScenario(file: string): Promise<ScenarioDefinition> {
  const path = resolve(file);
  if (!existsSync(path)) throw new FleetlabError('SCENARIO_LOAD', `${file}: no such file`);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (e) {
    throw new FleetlabError('SCENARIO_LOAD', `${file}: cannot load: ${(e as Error).message}`);
  }
  const def = esModuleDefault(mod) as Partial<ScenarioDefinition> | undefined;
  const problems = new Problems();
  if (!def || typeof def !== 'object') problems.add('default export', 'expected `export default defineScenario({...})`');
  else {
    if (typeof def.name !== 'string' || !def.name) problems.add('scenario.name', 'expected a non-empty string');
    if (typeof def.run !== 'function') problems.add('scenario.run', 'expected an async function');
    if (def.lab === undefined || (typeof def.lab !== 'function' && typeof def.lab !== 'object')) problems.add('scenario.lab', 'expected a lab spec object or a function of params');
    if (def.params !== undefined && (typeof def.params !== 'object' || def.params === null)) problems.add('scenario.params', 'expected an object of defaults');
  }
  if (!problems.ok) {
    throw new FleetlabError('SCENARIO_INVALID', `${file}: ${problems.list.length} problem(s):\n${problems.list.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
  }
  return def as ScenarioDefinition;
}

/** Defaults overridden by CLI strings, each coerced to its default's type. */
export function resolveParams(defaults: Params, overrides: Record<string, string>, problems: Problems): Params {
  const out: Params = { ...defaults };
  for (const [k, raw] of Object.entries(overrides)) {
    const path = `--param ${k}`;
    if (!(k in defaults)) {
      problems.add(path, `unknown parameter (known: ${Object.keys(defaults).join(', ') || 'none'})`);
      continue;
    }
    const d = defaults[k];
    if (typeof d === 'number') {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) problems.add(path, `expected a number, got '${raw}'`);
      else out[k] = n;
    } else if (typeof d === 'boolean') {
      if (raw === 'true' || raw === '1' || raw === 'yes') out[k] = true;
      else if (raw === 'false' || raw === '0' || raw === 'no') out[k] = false;
      else problems.add(path, `expected true or false, got '${raw}'`);
    } else out[k] = raw;
  }
  return out;
}
