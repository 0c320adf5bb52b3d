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
import type { Problems } from '../base/problem.ts';
import type { NodePhase } from '../base/event.ts';
import { NODE_PHASES } from '../base/event.ts';
import { parseDurationOrMs, parseShare } from '../base/units.ts';
import { describeValue, isRecord } from '../base/values.ts';
import type { FaultPlugin } from './fault-plugin.ts';
import type { Selector } from './fault-selector.ts';
import { parseSelector } from './fault-selector.ts';

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

const KEYS = ['kind', 'id', 'selector', 'probability', 'params', 'at', 'when', 'every', 'random', 'count', 'duration'];

function parseRange(v: unknown, path: string, problems: Problems): Range | undefined {
  if (Array.isArray(v)) {
    if (v.length !== 2) {
      problems.add(path, `expected a duration or a [min, max] pair, got ${v.length} elements`);
      return undefined;
    }
    const a = parseDurationOrMs(v[0], `${path}[0]`, problems);
    const b = parseDurationOrMs(v[1], `${path}[1]`, problems);
    if (a === undefined || b === undefined) return undefined;
    if (b < a) {
      problems.add(path, 'max must not be below min');
      return undefined;
    }
    return { min: a, max: b };
  }
  const d = parseDurationOrMs(v, path, problems);
  return d === undefined ? undefined : { min: d, max: d };
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
  for (const k of Object.keys(input)) if (!KEYS.includes(k)) problems.add(`${path}.${k}`, `unknown fault field; expected one of ${KEYS.join(', ')}`);
  const plugin = typeof input.kind === 'string' ? plugins.get(input.kind) : undefined;
  if (!plugin) problems.add(`${path}.kind`, `unknown fault kind ${describeValue(input.kind)}; expected one of ${[...plugins.keys()].join(', ')}`);
  let id = defaultId;
  if (input.id !== undefined) {
    if (typeof input.id === 'string' && /^[\w.:-]+$/.test(input.id)) id = input.id;
    else problems.add(`${path}.id`, `expected a name of letters, digits, '.', ':', '-', '_', got ${describeValue(input.id)}`);
  }
  const selector = parseSelector(input.selector, `${path}.selector`, problems);
  let probability = 1;
  if (input.probability !== undefined) {
    const p = parseShare(input.probability, `${path}.probability`, problems);
    if (p !== undefined) probability = p;
  }
  const rawParams = input.params === undefined ? {} : input.params;
  if (!isRecord(rawParams)) problems.add(`${path}.params`, `expected an object, got ${describeValue(rawParams)}`);
  const params = plugin && isRecord(rawParams) ? plugin.validate(rawParams, `${path}.params`, problems) : undefined;

  const atMs = input.at === undefined ? 0 : parseDurationOrMs(input.at, `${path}.at`, problems, '30s');
  const duration = input.duration === undefined ? undefined : parseRange(input.duration, `${path}.duration`, problems);
  const schedules = (['when', 'every', 'random'] as const).filter((k) => input[k] !== undefined);
  if (schedules.length > 1) problems.add(`${path}.${schedules[1]!}`, `give at most one of when, every, random (also got ${schedules[0]!})`);
  let timing: FaultTiming = { kind: 'once' };
  if (input.when !== undefined) {
    const w = input.when;
    const wp = `${path}.when`;
    if (!isRecord(w)) problems.add(wp, `expected {phase: 'image', node?: 'name'}, got ${describeValue(w)}`);
    else {
      for (const k of Object.keys(w)) if (k !== 'phase' && k !== 'node') problems.add(`${wp}.${k}`, 'unknown field; expected phase, node');
      const phaseOk = typeof w.phase === 'string' && (NODE_PHASES as readonly string[]).includes(w.phase);
      if (!phaseOk) problems.add(`${wp}.phase`, `expected one of ${NODE_PHASES.join(', ')}, got ${describeValue(w.phase)}`);
      if (w.node !== undefined && (typeof w.node !== 'string' || !w.node)) problems.add(`${wp}.node`, `expected a node name, got ${describeValue(w.node)}`);
      if (phaseOk) timing = { kind: 'when', phase: w.phase as NodePhase, ...(typeof w.node === 'string' ? { node: w.node } : {}) };
    }
  } else if (input.every !== undefined) {
    const every = parseDurationOrMs(input.every, `${path}.every`, problems, '60s');
    if (every !== undefined && every <= 0) problems.add(`${path}.every`, 'must be > 0');
    else if (every !== undefined) {
      timing = { kind: 'every', everyMs: every };
      if (!duration) problems.add(`${path}.duration`, "required with 'every' (each window's length)");
      else if (duration.max >= every) problems.add(`${path}.duration`, `must be shorter than 'every' (${every} ms) so windows do not overlap`);
    }
  } else if (input.random !== undefined) {
    const r = input.random;
    const rp = `${path}.random`;
    if (!isRecord(r) || r.interval === undefined) problems.add(rp, `expected {interval: '30s' | ['10s', '60s']}, got ${describeValue(r)}`);
    else {
      for (const k of Object.keys(r)) if (k !== 'interval') problems.add(`${rp}.${k}`, 'unknown field; expected interval');
      const range = parseRange(r.interval, `${rp}.interval`, problems);
      if (range && range.max <= 0) problems.add(`${rp}.interval`, 'must be > 0');
      else if (range) timing = { kind: 'random', interval: Array.isArray(r.interval) ? range : { mean: range.min } };
      if (!duration) problems.add(`${path}.duration`, "required with 'random' (each window's length)");
    }
  }
  let count: number | undefined;
  if (input.count !== undefined) {
    if (typeof input.count === 'number' && Number.isInteger(input.count) && input.count >= 1) count = input.count;
    else problems.add(`${path}.count`, `expected a whole number >= 1, got ${describeValue(input.count)}`);
    if (input.every === undefined && input.random === undefined) problems.add(`${path}.count`, "only with 'every' or 'random'");
  }
  if (problems.list.length !== before || !plugin || !selector || atMs === undefined) return undefined;
  return {
    id,
    kind: plugin.kind,
    plugin,
    params,
    rawParams: rawParams as Record<string, unknown>,
    selector,
    selectorDefaulted: input.selector === undefined,
    probability,
    atMs,
    timing,
    ...(duration ? { duration } : {}),
    ...(count !== undefined ? { count } : {}),
  };
}
