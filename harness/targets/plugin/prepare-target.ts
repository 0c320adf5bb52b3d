/**
 * The one call `fleetlab run` makes to get its target: resolve `--target`, validate the options
 * (problems join the run's other bad-input problems, exit 2), and return a factory that hands the
 * definition the parsed options. Nothing is started here.
 */
import type { Problems } from '../../../lab/base/problem.ts';
import type { TargetFactory } from '../target.ts';
import { builtinTargets } from '../registry.ts';
import { checkTargetOptions } from './check-target-options.ts';
import { loadTarget } from './load-target.ts';

export interface PreparedTarget {
  /** The definition's own name (a path given to --target names its module, not the target). */
  name: string;
  factory: TargetFactory;
  /** Options as strings, after dropping scenario hints the target does not declare. */
  options: Record<string, string>;
}

export async function prepareTarget(spec: string, cli: Record<string, string>, scenario: Record<string, string>, problems: Problems, cwd = process.cwd()): Promise<PreparedTarget | undefined> {
  const def = await loadTarget(spec, cwd);
  if (!def) {
    problems.add('--target', `unknown target '${spec}' (known: ${Object.keys(builtinTargets).join(', ')}; or a module path like ./my-target.ts, a name in ./targets/, an installed package)`);
    return undefined;
  }
  const checked = checkTargetOptions(def, cli, scenario, problems);
  if (!checked) return undefined;
  return { name: def.name, options: checked.raw, factory: (ctx) => def.create({ ...ctx, options: checked.parsed, rawOptions: checked.raw }) };
}
