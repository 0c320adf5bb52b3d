/**
 * Durations and rates in hardware profiles: a fixed value, uniform, or triangular (min, mode,
 * max) — the usual jitter model for POST/boot times. Sampling uses the run's seeded RNG.
 */
import type { Rng } from '../base/rng.ts';
import type { Problems } from '../base/problem.ts';

export type Distribution =
  | { fixed: number }
  | { uniform: [number, number] }
  | { triangular: [number, number, number] };

export function sample(d: Distribution, rng: Rng): number {
  if ('fixed' in d) return d.fixed;
  if ('uniform' in d) return d.uniform[0] + rng.next() * (d.uniform[1] - d.uniform[0]);
  const [a, c, b] = d.triangular;
  if (b === a) return a;
  const u = rng.next();
  const f = (c - a) / (b - a);
  return u < f ? a + Math.sqrt(u * (b - a) * (c - a)) : b - Math.sqrt((1 - u) * (b - a) * (b - c));
}

export function mean(d: Distribution): number {
  if ('fixed' in d) return d.fixed;
  if ('uniform' in d) return (d.uniform[0] + d.uniform[1]) / 2;
  return (d.triangular[0] + d.triangular[1] + d.triangular[2]) / 3;
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Accepts a number (fixed) or one of the object forms; reports problems at `path`. */
export function parseDistribution(input: unknown, path: string, problems: Problems): Distribution | undefined {
  if (isNum(input)) {
    if (input < 0) problems.add(path, `must be >= 0, got ${input}`);
    return { fixed: input };
  }
  if (input && typeof input === 'object' && !Array.isArray(input)) {
    const o = input as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && isNum(o.fixed)) return { fixed: o.fixed };
    if (keys.length === 1 && Array.isArray(o.uniform) && o.uniform.length === 2 && o.uniform.every(isNum)) {
      const [a, b] = o.uniform as [number, number];
      if (a > b || a < 0) problems.add(`${path}.uniform`, `expected [min, max] with 0 <= min <= max, got [${a}, ${b}]`);
      return { uniform: [a, b] };
    }
    if (keys.length === 1 && Array.isArray(o.triangular) && o.triangular.length === 3 && o.triangular.every(isNum)) {
      const [a, c, b] = o.triangular as [number, number, number];
      if (!(a <= c && c <= b) || a < 0) problems.add(`${path}.triangular`, `expected [min, mode, max] with 0 <= min <= mode <= max, got [${a}, ${c}, ${b}]`);
      return { triangular: [a, c, b] };
    }
  }
  problems.add(path, `expected a number or {fixed: n} | {uniform: [min, max]} | {triangular: [min, mode, max]}, got ${JSON.stringify(input)}`);
  return undefined;
}
