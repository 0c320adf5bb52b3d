/**
 * Durations and rates in hardware profiles: a fixed value, uniform, or triangular (min, mode,
 * max) — the usual jitter model for POST/boot times. Sampling uses the run's seeded RNG.
 */
import { z } from 'zod';
import type { Rng } from '../base/rng.ts';
import type { Problems } from '../base/problem.ts';
import { byShape, parseInto } from '../base/schema.ts';
import { isRecord } from '../base/values.ts';

const num = z.number();
const FixedSchema = z.strictObject({ fixed: num.min(0, { error: (iss) => `must be >= 0, got ${String(iss.input)}` }) });
const UniformSchema = z.strictObject({ uniform: z.tuple([num, num]).describe('[min, max]') });
const TriangularSchema = z.strictObject({ triangular: z.tuple([num, num, num]).describe('[min, mode, max]') });

export type Distribution = z.output<typeof FixedSchema> | z.output<typeof UniformSchema> | z.output<typeof TriangularSchema>;

const GENERIC = 'expected a number or {fixed: n} | {uniform: [min, max]} | {triangular: [min, mode, max]}';
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
/** `{key: [n, …]}` with exactly `len` finite numbers: the form is recognised, its order is checked next. */
const form = (key: string, len: number) => (v: unknown) => isRecord(v) && Object.keys(v).length === 1 && Array.isArray(v[key]) && v[key].length === len && v[key].every(isNum);

/**
 * A duration or rate in a hardware profile: a number (fixed), `{fixed: n}`, `{uniform: [min,
 * max]}` or `{triangular: [min, mode, max]}`, all >= 0 and in order.
 */
export const DistributionSchema = byShape<Distribution>(
  [
    { when: isNum, schema: num.min(0, { error: (iss) => `must be >= 0, got ${String(iss.input)}` }).transform((fixed) => ({ fixed })) },
    { when: (v) => isRecord(v) && Object.keys(v).length === 1 && isNum(v.fixed), schema: FixedSchema },
    {
      when: form('uniform', 2),
      schema: UniformSchema.refine(({ uniform: [a, b] }) => a <= b && a >= 0, {
        path: ['uniform'],
        error: (iss) => `expected [min, max] with 0 <= min <= max, got [${(iss.input as Distribution & { uniform: number[] }).uniform.join(', ')}]`,
      }),
    },
    {
      when: form('triangular', 3),
      schema: TriangularSchema.refine(({ triangular: [a, c, b] }) => a <= c && c <= b && a >= 0, {
        path: ['triangular'],
        error: (iss) => `expected [min, mode, max] with 0 <= min <= mode <= max, got [${(iss.input as { triangular: number[] }).triangular.join(', ')}]`,
      }),
    },
  ],
  (v) => `${GENERIC}, got ${JSON.stringify(v)}`,
  z.union([num.min(0), FixedSchema, UniformSchema, TriangularSchema]),
);

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

/** Accepts a number (fixed) or one of the object forms; reports problems at `path`. */
export function parseDistribution(input: unknown, path: string, problems: Problems): Distribution | undefined {
  return parseInto(DistributionSchema, input, path, problems);
}
