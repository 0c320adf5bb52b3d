/**
 * The wrapper every fault shares (Toxiproxy's toxic wrapper, Chaos Mesh's selector/duration):
 *
 *   {
 *     kind: 'link-flap',                  // a registered plugin (fault-registry.ts)
 *     id?: 'wan-flap',                    // stable name in events; default '<kind>-<n>'
 *     selector?: …,                       // fault-selector.ts; default 'all'
 *     probability?: 0.5 | '50%',          // each selected target is hit with this chance (seeded)
 *     params?: {…},                       // the plugin's own parameters
 *     // when (at most one of when / every / random; `at` delays the first start):
 *     at?: '30s' | 30000,                 // start this long after inject/schedule (modelled time)
 *     when?: {phase: 'image', node?: 'n1'}, // start when a node enters a phase (see below)
 *     every?: '60s', duration: '10s',     // a window of `duration` every `every`
 *     random?: {interval: '30s' | ['10s', '60s']}, duration: '5s' | ['2s', '20s'],
 *                                         // Jepsen: gap drawn (exponential mean / uniform), window, gap, …
 *     count?: 3,                          // repetitions for every / random (default unbounded)
 *     duration?: '20s',                   // window length; absent = until stopped / healAll
 *   }
 *
 * `when` without `node`: each selected node triggers one activation on itself (its site / BMC
 * for those scopes) when it enters the phase. With `node`: that node's entry starts one
 * activation on the selection (default: that node).
 * Numbers for times are modelled milliseconds; strings carry units.
 */
import { z } from 'zod';
import type { Problems } from '../base/problem.ts';
import type { NodePhase } from '../base/event.ts';
import { NODE_PHASES } from '../base/event.ts';
import { byShape, jsonSchemaOf, parseInto, salvage, strict, unitField } from '../base/schema.ts';
import { parseDurationOrMs, parseShare } from '../base/units.ts';
import { describeValue, isRecord } from '../base/values.ts';
import type { FaultPlugin } from './fault-plugin.ts';
import type { Selector } from './fault-selector.ts';
import { SelectorSchema } from './fault-selector.ts';

export type Range = { min: number; max: number };

export type FaultTiming =
  | { kind: 'once' }
  | { kind: 'when'; phase: NodePhase; node?: string }
  | { kind: 'every'; everyMs: number }
  | { kind: 'random'; interval: { mean: number } | Range };

export interface FaultSpec {
  id: string;
  kind: string;
  plugin: FaultPlugin;
  /** Validated plugin params (plugin-specific). */
  params: unknown;
  /** Params as given, for fault.start events. */
  rawParams: Record<string, unknown>;
  selector: Selector;
  /** True when the user gave no selector (for `when` with a node: default to that node). */
  selectorDefaulted: boolean;
  probability: number;
  atMs: number;
  timing: FaultTiming;
  duration?: Range;
  count?: number;
}

const durationOrMs = (example: string) => unitField((v, path, problems) => parseDurationOrMs(v, path, problems, example), z.union([z.string(), z.number()]), `a duration like '${example}' or milliseconds`);

/** A duration, or a [min, max] pair drawn per window. */
const RangeSchema = byShape<Range>(
  [
    {
      when: Array.isArray,
      schema: z
        .array(z.unknown())
        .length(2, { error: (iss) => `expected a duration or a [min, max] pair, got ${(iss.input as unknown[]).length} elements` })
        .pipe(z.tuple([durationOrMs('10s'), durationOrMs('10s')]))
        .transform(([min, max]) => ({ min, max }))
        .refine((r) => r.max >= r.min, { error: 'max must not be below min' }),
    },
    { when: () => true, schema: durationOrMs('10s').transform((d) => ({ min: d, max: d })) },
  ],
  () => 'expected a duration or a [min, max] pair',
  z.union([z.string(), z.number(), z.tuple([z.union([z.string(), z.number()]), z.union([z.string(), z.number()])])]),
);

const WhenSchema = strict(
  {
    phase: z.enum(NODE_PHASES, { error: (iss) => `expected one of ${NODE_PHASES.join(', ')}, got ${describeValue(iss.input)}` }),
    node: z.string({ error: (iss) => `expected a node name, got ${describeValue(iss.input)}` }).min(1, { error: (iss) => `expected a node name, got ${describeValue(iss.input)}` }).optional(),
  },
  'unknown field; expected phase, node',
  (v) => `expected {phase: 'image', node?: 'name'}, got ${describeValue(v)}`,
);

const RandomSchema = strict({ interval: RangeSchema }, 'unknown field; expected interval', (v) => `expected {interval: '30s' | ['10s', '60s']}, got ${describeValue(v)}`);

const whole = (v: unknown) => `expected a whole number >= 1, got ${describeValue(v)}`;
const FIELDS = {
  kind: z.string().describe('a registered fault kind (`fleetlab faults`)'),
  id: z
    .string({ error: (iss) => `expected a name of letters, digits, '.', ':', '-', '_', got ${describeValue(iss.input)}` })
    .regex(/^[\w.:-]+$/, { error: (iss) => `expected a name of letters, digits, '.', ':', '-', '_', got ${describeValue(iss.input)}` })
    .optional()
    .describe("stable name in events; default '<kind>-<n>'"),
  selector: SelectorSchema.optional(),
  probability: unitField(parseShare, z.union([z.string(), z.number()]), "each selected target is hit with this chance (seeded): 0.5 or '50%'").optional(),
  params: z.record(z.string(), z.unknown(), { error: (iss) => `expected an object, got ${describeValue(iss.input)}` }).optional().describe("the fault kind's own parameters"),
  at: durationOrMs('30s').optional(),
  when: WhenSchema.optional(),
  every: durationOrMs('60s').optional(),
  random: RandomSchema.optional(),
  count: z.number({ error: (iss) => whole(iss.input) }).int({ error: (iss) => whole(iss.input) }).min(1, { error: (iss) => whole(iss.input) }).optional(),
  duration: RangeSchema.optional(),
};
const KEYS = Object.keys(FIELDS);

/** Rules between the wrapper's fields (which schedule, what it needs); presence and parsed values only. */
function scheduleRules(o: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const ok = (v: unknown) => v !== undefined && v !== z.NEVER;
  const schedules = (['when', 'every', 'random'] as const).filter((k) => o[k] !== undefined);
  if (schedules.length > 1) ctx.addIssue({ code: 'custom', path: [schedules[1]!], message: `give at most one of when, every, random (also got ${schedules[0]!})` });
  const duration = ok(o.duration) ? (o.duration as Range) : undefined;
  if (o.when === undefined && ok(o.every)) {
    const every = o.every as number;
    if (every <= 0) ctx.addIssue({ code: 'custom', path: ['every'], message: 'must be > 0' });
    else if (o.duration === undefined) ctx.addIssue({ code: 'custom', path: ['duration'], message: "required with 'every' (each window's length)" });
    else if (duration && duration.max >= every) ctx.addIssue({ code: 'custom', path: ['duration'], message: `must be shorter than 'every' (${every} ms) so windows do not overlap` });
  }
  if (o.when === undefined && o.every === undefined && isRecord(o.random) && o.random !== z.NEVER) {
    const interval = o.random.interval as Range | undefined;
    if (isRecord(interval) && interval !== z.NEVER && interval.max <= 0) ctx.addIssue({ code: 'custom', path: ['random', 'interval'], message: 'must be > 0' });
    if (o.duration === undefined) ctx.addIssue({ code: 'custom', path: ['duration'], message: "required with 'random' (each window's length)" });
  }
  if (o.count !== undefined && o.every === undefined && o.random === undefined) ctx.addIssue({ code: 'custom', path: ['count'], message: "only with 'every' or 'random'" });
}

function build(plugins: ReadonlyMap<string, FaultPlugin>) {
  const kinds = [...plugins.keys()];
  const kind = z
    .enum(kinds as [string, ...string[]], { error: (iss) => `unknown fault kind ${describeValue(iss.input)}; expected one of ${kinds.join(', ')}` })
    .describe('a registered fault kind (`fleetlab faults`)');
  return strict({ ...FIELDS, kind }, `unknown fault field; expected one of ${KEYS.join(', ')}`).superRefine(scheduleRules, { when: (p) => isRecord(p.value) });
}

const schemas = new WeakMap<ReadonlyMap<string, FaultPlugin>, ReturnType<typeof build>>();
/** The fault wrapper for a plugin registry (kinds are the registered ones). */
export function faultSpecSchema(plugins: ReadonlyMap<string, FaultPlugin>): ReturnType<typeof build> {
  let s = schemas.get(plugins);
  if (!s) schemas.set(plugins, (s = build(plugins)));
  return s;
}

/** The JSON Schema of a faults file: one fault spec or a list of them, kinds from the registry. */
export function faultsJsonSchema(plugins: ReadonlyMap<string, FaultPlugin>): Record<string, unknown> {
  const one = faultSpecSchema(plugins);
  return jsonSchemaOf(z.union([one, z.array(one)]), 'fleetlab fault specs', 'Fault specs for faults.inject / faults.schedule: kind, selector, probability, params and when it strikes (at, when, every, random, count, duration).');
}

/**
 * Validate one fault spec; all problems are reported under `path` (e.g. `faults[2].params.period`).
 * `plugins` is the registry; world-dependent checks (names exist) are the controller's.
 */
export function parseFaultSpec(input: unknown, path: string, problems: Problems, plugins: ReadonlyMap<string, FaultPlugin>, defaultId: string): FaultSpec | undefined {
  if (!isRecord(input)) {
    problems.add(path, `expected a fault object like {kind: 'partition', selector: {site: 's1'}, duration: '30s'}, got ${describeValue(input)}`);
    return undefined;
  }
  const before = problems.list.length;
  const schema = faultSpecSchema(plugins);
  const w = parseInto(schema, input, path, problems) ?? salvage(schema, input) ?? {};
  const plugin = typeof w.kind === 'string' ? plugins.get(w.kind) : undefined;
  // The kind's own params are checked even when the wrapper has other problems: one pass shows all.
  const rawParams = input.params === undefined ? {} : input.params;
  const params = plugin && isRecord(rawParams) ? plugin.validate(rawParams, `${path}.params`, problems) : undefined;
  const selector: Selector | undefined = input.selector === undefined ? { kind: 'all' } : (w.selector as Selector | undefined);
  if (problems.list.length !== before || !plugin || !selector || !isRecord(rawParams)) return undefined;
  const interval = w.random?.interval as Range | undefined;
  const timing: FaultTiming = w.when
    ? { kind: 'when', phase: w.when.phase as NodePhase, ...(w.when.node !== undefined ? { node: w.when.node } : {}) }
    : w.every !== undefined
      ? { kind: 'every', everyMs: w.every }
      : interval
        ? { kind: 'random', interval: Array.isArray((input.random as { interval: unknown }).interval) ? interval : { mean: interval.min } }
        : { kind: 'once' };
  return {
    id: w.id ?? defaultId,
    kind: plugin.kind,
    plugin,
    params,
    rawParams,
    selector,
    selectorDefaulted: input.selector === undefined,
    probability: w.probability ?? 1,
    atMs: w.at ?? 0,
    timing,
    ...(w.duration ? { duration: w.duration as Range } : {}),
    ...(w.count !== undefined ? { count: w.count } : {}),
  };
}
