/**
 * `fleetlab targets`: the targets `--target` can name — built in, and discovered in the current
 * directory's ./targets/*.ts (a user's own modules) — with the options each declares, so a user
 * finds `--target-opt` keys without reading adapter code. A discovered module that fails to load
 * is listed with its error (exit 2).
 */
import { relative } from 'node:path';
import type { Command } from '../command.ts';
import { parseArgs } from '../parse-args.ts';
import { ERRORS, FleetlabError, isFleetlabError } from '../../../lab/base/errors.ts';
import { builtinTargets } from '../../targets/registry.ts';
import { DISCOVERY_DIR, discoveredTargetFiles, importTarget } from '../../targets/plugin/load-target.ts';
import { describeOptions, type OptionRow } from '../../targets/plugin/describe-options.ts';

interface Listed {
  name: string;
  source: string;
  summary?: string;
  options?: OptionRow[];
  error?: string;
}

export const targetsCommand: Command = {
  name: ['targets'],
  summary: 'list built-in and discovered (./targets/*.ts) targets with their options',
  usage: `usage: fleetlab targets [--json]

  Built-in targets, then target modules discovered in ./${DISCOVERY_DIR}/*.ts of the current
  directory (usable as --target NAME), each with the --target-opt options it declares.
  --json   one JSON object {targets: [{name, source, summary, options: [{name, type, required, default, description}]}]}`,
  async run(argv, io) {
    const a = parseArgs(argv, { json: { type: 'flag' } });
    if (a.positionals.length) throw new FleetlabError('USAGE', `unexpected argument '${a.positionals[0]!}'`);
    const list: Listed[] = [];
    for (const [name, load] of Object.entries(builtinTargets)) {
      const d = await load();
      list.push({ name, source: 'built-in', summary: d.summary, options: describeOptions(d) });
    }
    for (const file of discoveredTargetFiles()) {
      const name = file.slice(file.lastIndexOf('/') + 1, -'.ts'.length);
      const source = `./${relative(process.cwd(), file)}`;
      try {
        const d = await importTarget(source, file);
        list.push({ name, source, summary: d.summary, options: describeOptions(d) });
      } catch (e) {
        list.push({ name, source, error: isFleetlabError(e) ? e.message : String(e) });
      }
    }
    io.stdout.write(a.flags.json ? JSON.stringify({ targets: list }) + '\n' : format(list));
    return list.some((t) => t.error) ? 2 : 0;
  },
};

function format(list: Listed[]): string {
  const lines: string[] = [];
  for (const t of list) {
    lines.push(`${t.name}  (${t.source})${t.summary ? `  ${t.summary}` : ''}`);
    if (t.error) lines.push(`  ${ERRORS.TARGET_LOAD.code}: ${t.error}`);
    const w = Math.max(0, ...(t.options ?? []).map((o) => o.name.length));
    for (const o of t.options ?? []) {
      const flags = [o.type, o.required ? 'required' : '', o.default !== undefined ? `default ${JSON.stringify(o.default)}` : ''].filter(Boolean).join(', ');
      lines.push(`  --target-opt ${o.name.padEnd(w)}  ${flags}${o.description ? ` — ${o.description}` : ''}`);
    }
    if (!t.error && !t.options?.length) lines.push('  (no options)');
    lines.push('');
  }
  return lines.join('\n');
}
