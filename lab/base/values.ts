/**
 * Inspecting unknown input (a parsed JSON/YAML file, a scenario's options) before it is trusted:
 * is it a plain object, and how to name a bad value in a problem message ("got 'fast'", "got an
 * array") without dumping it whole.
 */

/** A plain object (not null, not an array): the shape every spec section must have. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A bad value as a problem message names it: strings quoted, objects and arrays by kind. */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return String(v);
}
