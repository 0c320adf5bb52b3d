/**
 * Small helpers for plugin param validation: unknown keys are problems, every problem is
 * reported with its path, and `undefined` comes back when anything was wrong.
 */
import type { Problems } from '../../base/problem.ts';
import { isRecord } from '../../base/values.ts';

/** Report keys of `params` not in `allowed`; returns the params as a record (validated by the caller). */
export function checkKeys(params: unknown, allowed: readonly string[], path: string, problems: Problems): Record<string, unknown> {
  const p = isRecord(params) ? params : {};
  for (const k of Object.keys(p)) {
    if (!allowed.includes(k)) problems.add(`${path}.${k}`, allowed.length ? `unknown param; expected ${allowed.join(', ')}` : 'this fault takes no params');
  }
  return p;
}

/** Run `body` and return its value only if it added no problems. */
export function validated<T>(problems: Problems, body: () => T): T | undefined {
  const before = problems.list.length;
  const out = body();
  return problems.list.length === before ? out : undefined;
}
