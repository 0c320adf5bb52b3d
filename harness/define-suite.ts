/**
 * A suite: the nightly's list of scenario runs, as one TypeScript module like a scenario.
 *
 *   export default defineSuite({
 *     name: 'nightly',
 *     runs: [
 *       { scenario: '../scenarios/provision.ts', params: { sites: [2, 4], nodesPerSite: 2 }, repeat: 2 },
 *       { scenario: '../scenarios/rollout-fleet.ts', targets: ['reference', 'dnsmasq'] },
 *     ],
 *   });
 *
 * A param whose value is an array is a matrix axis (every combination runs); `targets` multiplies
 * too; `repeat` runs each combination that many times (samples for `compare`). Scenario paths are
 * relative to the suite file. The schema reports every problem with its path.
 */
import { z } from 'zod';

const paramValue = z.union([z.string(), z.number(), z.boolean()]);

export const suiteRunSchema = z
  .object({
    scenario: z.string().min(1, 'expected the path of a scenario file'),
    params: z.record(z.string(), z.union([paramValue, z.array(paramValue).min(1, 'a matrix axis needs at least one value')])).optional(),
    targets: z.array(z.string().min(1)).min(1).optional(),
    targetOptions: z.record(z.string(), z.string()).optional(),
    seed: z.number().int().min(0).max(0xffffffff).optional(),
    repeat: z.number().int().min(1).max(1000).optional(),
  })
  .strict();

export const suiteSchema = z
  .object({
    name: z.string().min(1, 'expected a non-empty name'),
    description: z.string().optional(),
    runs: z.array(suiteRunSchema).min(1, 'a suite needs at least one run'),
    /** Runs of the whole list (each planned run `repeat` × this). */
    repeat: z.number().int().min(1).max(1000).optional(),
    /** Runs in flight at once; runs that need root-only resources still take turns by host lock. */
    concurrency: z.number().int().min(1).max(64).optional(),
  })
  .strict();

export type SuiteRunSpec = z.infer<typeof suiteRunSchema>;
export type SuiteDefinition = z.infer<typeof suiteSchema>;

/** The suite format as JSON Schema (draft 2020-12), for `fleetlab schema suite`. */
export function suiteJsonSchema(): Record<string, unknown> {
  return { ...(z.toJSONSchema(suiteSchema, { io: 'input' }) as Record<string, unknown>), title: 'fleetlab suite' };
}

export function defineSuite(def: SuiteDefinition): SuiteDefinition {
  return def;
}

/** Every problem as `path: message` lines, paths like `suite.runs[1].params.sites[0]`. */
export function suiteProblems(value: unknown): { path: string; message: string }[] {
  const r = suiteSchema.safeParse(value);
  if (r.success) return [];
  return r.error.issues.map((i) => ({
    path: ['suite', ...i.path].map((p, k) => (typeof p === 'number' ? `[${p}]` : k === 0 ? String(p) : `.${String(p)}`)).join(''),
    message: i.message,
  }));
}
