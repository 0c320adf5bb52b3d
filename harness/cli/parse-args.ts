/**
 * Small strict argument parser: `--flag`, `--opt value`, `--opt=value`, repeatable options,
 * positionals. Unknown options are a usage error (exit 2) naming the option, never ignored.
 */
import { FleetlabError } from '../../lab/base/errors.ts';

export interface OptionSpec {
  /** 'flag' takes no value; 'string' one value; 'list' may repeat. */
  type: 'flag' | 'string' | 'list';
  alias?: string;
}

export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, boolean>;
  strings: Record<string, string>;
  lists: Record<string, string[]>;
}

export function parseArgs(argv: string[], spec: Record<string, OptionSpec>): ParsedArgs {
  const out: ParsedArgs = { positionals: [], flags: {}, strings: {}, lists: {} };
  const byAlias = new Map<string, string>();
  for (const [name, s] of Object.entries(spec)) if (s.alias) byAlias.set(s.alias, name);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      out.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const rawName = arg.startsWith('--') ? arg.slice(2, eq < 0 ? undefined : eq) : arg.slice(1, eq < 0 ? undefined : eq);
    const name = arg.startsWith('--') ? rawName : (byAlias.get(rawName) ?? rawName);
    const s = spec[name];
    if (!s) throw new FleetlabError('USAGE', `unknown option '${arg}'`);
    if (s.type === 'flag') {
      if (eq >= 0) throw new FleetlabError('USAGE', `option '--${name}' takes no value`);
      out.flags[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined) throw new FleetlabError('USAGE', `option '--${name}' needs a value`);
    if (s.type === 'string') out.strings[name] = value;
    else (out.lists[name] ??= []).push(value);
  }
  return out;
}

/** `k=v` pairs from repeated `--param k=v` into an object; a pair without '=' is a usage error. */
export function parseKeyValues(pairs: string[] | undefined, option: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs ?? []) {
    const i = p.indexOf('=');
    if (i <= 0) throw new FleetlabError('USAGE', `--${option} '${p}': expected key=value`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

/** `--name v` as an integer in [min, max] (`dflt` when absent); anything else is a usage error naming the option. */
export function intOption(v: string | undefined, name: string, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw new FleetlabError('USAGE', `--${name} '${v}': expected an integer from ${min} to ${max}`);
  return n;
}
