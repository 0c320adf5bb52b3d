/**
 * Validates a target's options before anything starts: `--target-opt` pairs strictly against the
 * target's zod schema, every problem at `--target-opt <key>` (a typo is an error, never ignored).
 * A scenario's own target options are hints for whichever target runs (`bmc=ipmi` matters to
 * ironic only), so keys the target does not declare are dropped from those.
 */
import type { Problems } from '../../../lab/base/problem.ts';
import type { TargetDefinition } from './define-target.ts';

export interface CheckedOptions {
  parsed: Record<string, unknown>;
  raw: Record<string, string>;
}

export function checkTargetOptions(def: TargetDefinition, cli: Record<string, string>, scenario: Record<string, string>, problems: Problems): CheckedOptions | undefined {
  const declared = Object.keys(def.options.shape);
  const raw: Record<string, string> = {};
  for (const [k, v] of Object.entries(scenario)) if (declared.includes(k)) raw[k] = v;
  Object.assign(raw, cli);
  const r = def.options.safeParse(raw);
  if (r.success) return { parsed: r.data, raw };
  for (const issue of r.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) problems.add(`--target-opt ${k}`, `unknown option for target '${def.name}' (known: ${declared.join(', ') || 'none'})`);
      continue;
    }
    const key = issue.path.map(String).join('.');
    const given = issue.path.length ? raw[String(issue.path[0])] : undefined;
    problems.add(key ? `--target-opt ${key}` : `--target-opt (target '${def.name}')`, `${issue.message}${given !== undefined ? ` (got '${given}')` : ''}`);
  }
  return undefined;
}
