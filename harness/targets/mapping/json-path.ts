/**
 * JSONPath expressions of a mapping file (jsonpath-plus), checked when the file is read: the
 * library itself accepts most malformed paths silently (`$.a[` just matches nothing), which would
 * turn a typo into a node that never leaves 'registered'.
 */
import { JSONPath } from 'jsonpath-plus';

/** A message when `path` is not a usable JSONPath, else undefined. */
export function jsonPathProblem(path: string): string | undefined {
  if (!path.startsWith('$')) return `'${path}' is not a JSONPath (must start with '$')`;
  if (/\.$/.test(path) || /\.\.\.|\[\]/.test(path)) return `'${path}': empty segment`;
  let depth = 0;
  let quote: string | null = null;
  for (const c of path) {
    if (quote) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') depth--;
    if (depth < 0) return `'${path}': unbalanced '${c}'`;
  }
  if (quote) return `'${path}': unclosed quote`;
  if (depth !== 0) return `'${path}': unbalanced brackets`;
  try {
    JSONPath({ path, json: {}, wrap: true });
  } catch (e) {
    return `'${path}': ${(e as Error).message}`;
  }
  return undefined;
}

/** The first match of `path` in `json`, or undefined. */
export function extract(path: string, json: unknown): unknown {
  const r = JSONPath({ path, json: json as object, wrap: true }) as unknown[];
  return r[0];
}
