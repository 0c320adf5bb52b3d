/**
 * `fleetlab scenarios`: the scenarios a user can run — the shipped ones and those in the
 * current directory (`./scenarios/*.ts`, `./*.scenario.ts`) — with their one-line description
 * and parameters (defaults, which `--param k=v` overrides). Loading a scenario only evaluates
 * its module; nothing starts.
 *
 * A scenario that fails to load is listed with the real error and the command exits 2, so a
 * broken local scenario is found here rather than at the start of a nightly.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from '../command.ts';
import { parseArgs } from '../parse-args.ts';
import { FleetlabError, isFleetlabError } from '../../../lab/base/errors.ts';
import { loadScenario } from '../../run/scenario-loader.ts';
import { FLEETLAB_ROOT } from '../../fleetlab-version.ts';

interface ScenarioEntry {
  file: string;
  origin: 'shipped' | 'local';
  name?: string;
  description?: string;
  params?: Record<string, unknown>;
  error?: string;
}

function tsFiles(dir: string, suffix = '.ts'): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(suffix) && !f.endsWith('.d.ts'))
    .sort()
    .map((f) => join(dir, f));
}

/** Shipped first; local files that are the shipped ones (cwd = the repo) are not listed twice. */
export function discoverScenarioFiles(cwd: string): { file: string; origin: ScenarioEntry['origin'] }[] {
  const shipped = tsFiles(join(FLEETLAB_ROOT, 'scenarios'));
  const local = [...tsFiles(join(cwd, 'scenarios')), ...tsFiles(cwd, '.scenario.ts')].filter((f) => !shipped.includes(resolve(f)));
  return [...shipped.map((file) => ({ file, origin: 'shipped' as const })), ...local.map((file) => ({ file, origin: 'local' as const }))];
}

async function describe(file: string, origin: ScenarioEntry['origin']): Promise<ScenarioEntry> {
  try {
    const def = await loadScenario(file);
    return { file, origin, name: def.name, description: def.description, params: def.params ?? {} };
  } catch (e) {
    return { file, origin, error: isFleetlabError(e) ? `${e.code}: ${e.message}` : String(e) };
  }
}

function render(entries: ScenarioEntry[], cwd: string): string {
  const lines: string[] = [];
  for (const e of entries) {
    const shown = relative(cwd, e.file).startsWith('..') ? e.file : relative(cwd, e.file);
    if (e.error) {
      lines.push(`${shown}  (${e.origin})  FAILED TO LOAD`, `    ${e.error.split('\n').join('\n    ')}`, '');
      continue;
    }
    lines.push(`${e.name!}  ${shown}  (${e.origin})`);
    if (e.description) lines.push(`    ${e.description}`);
    const params = Object.entries(e.params ?? {});
    if (params.length) lines.push(`    params: ${params.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`);
    lines.push('');
  }
  return lines.join('\n');
}

export const scenariosCommand: Command = {
  name: ['scenarios'],
  summary: 'list shipped and local scenarios with their description and params',
  usage: `usage: fleetlab scenarios [--json]

  Lists the shipped scenarios and those in ./scenarios/*.ts and ./*.scenario.ts, each with its
  description and params (defaults; override with fleetlab run FILE --param k=v).
  Exit 2 when a scenario fails to load (its error is shown).
  --json   one JSON object {scenarios: [{file, origin, name, description, params, error?}]}`,
  async run(argv, io) {
    const a = parseArgs(argv, { json: { type: 'flag' } });
    if (a.positionals.length) throw new FleetlabError('USAGE', `unexpected argument '${a.positionals[0]!}'`);
    const cwd = process.cwd();
    const entries: ScenarioEntry[] = [];
    for (const { file, origin } of discoverScenarioFiles(cwd)) entries.push(await describe(file, origin));
    if (a.flags.json) io.stdout.write(JSON.stringify({ scenarios: entries }) + '\n');
    else io.stdout.write(render(entries, cwd));
    return entries.some((e) => e.error) ? 2 : 0;
  },
};
