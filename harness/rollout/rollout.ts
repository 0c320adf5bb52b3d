/**
 * `rollout(ctx, options)`: roll an immutable image across the fleet in waves, canary first,
 * halting (and rolling back) when a wave goes bad. Every decision is a `wave.decision` event,
 * so run.json's `waves` and the reports show what the pipeline decided and why.
 *
 *   planWaves (seeded, by labels) ─▶ for each wave:
 *     start ─▶ strategy (rolling | blue-green | ab) ─▶ [compare] ─▶ soak ─▶ halt? ─┬─ no ─▶ [switch] ─▶ done
 *                                                                                └─ yes ─▶ halt ─▶ rollback ─▶ stop
 *
 * Example (a scenario's run):
 *
 *   const next = withDefects(target.image('edge-os-2.0', 1e6), { badOn: ['hw-c'] });
 *   const r = await rollout(ctx, {
 *     image: next, previous: current,
 *     waves: ['canary:1 site', '5%', '25%', '100%'], select: { region: 'eu' },
 *     strategy: 'rolling', maxUnavailable: 1,
 *     haltWhen: { failureRate: 0.05, p95TimeToReadyMs: 60_000 },
 *     rollback: 'wave', soak: 5 * 60_000,
 *   });
 *   expect.check('rollout completed', r.status === 'completed', r.waves.length, 'all waves');
 */
import type { FleetEvent } from '../../lab/base/event.ts';
import { createRng, type Rng } from '../../lab/base/rng.ts';
import { Problems } from '../../lab/base/problem.ts';
import type { NodeHandle, RunContext } from '../scenario.ts';
import { defaultHealthCheck, type HealthCheck } from './health-check.ts';
import { haltReason, type HaltPolicy } from './halt-policy.ts';
import { planWaves, type PlannedWave } from './plan-waves.ts';
import { HEALTH_CODE, pool, reprovisionRounds, type ProvisionItem, type RoundOptions } from './reprovision-rounds.ts';
import type { RolloutImage } from './rollout-image.ts';
import { formatStats, waveStats, type NodeOutcome, type WaveStats } from './wave-stats.ts';
import type { LabelSelector, WavesInput } from './wave-spec.ts';
import { ERRORS } from '../../lab/base/errors.ts';

export type RolloutStrategy =
  /** Reprovision each site's nodes in place, at most maxUnavailable at a time. */
  | 'rolling'
  /** Per site: provision the idle (green) nodes, verify, switch, retire the serving (blue) ones. */
  | 'blue-green'
  /** Split each wave's nodes into cohort A (`image`) and B (`b`), compare their metrics. */
  | { kind: 'ab'; b: RolloutImage; /** Share of nodes in cohort B (0..1), default 0.5. */ split?: number };

export interface RolloutOptions {
  /** The new image. Attach modelled defects with `withDefects`. */
  image: RolloutImage;
  /** The image the fleet runs now: rollback target (no rollback without it). */
  previous?: RolloutImage;
  /** Explicit (`['canary:1 site', '5%', '100%']`) or generated (`{canarySites, firstPercent, factor}`). Default canary:1 site, 10%, 100%. */
  waves?: WavesInput;
  /** Only sites/nodes whose labels match take part (region, link, profile, site, any site label). */
  select?: LabelSelector;
  strategy?: RolloutStrategy;
  /** Per site: nodes out of service at once, a count or a share ('25%'; at least 1). Default 1. */
  maxUnavailable?: number | string;
  /** Fleet-wide cap on nodes reprovisioned at once, across all sites of a wave. Default: no cap. */
  maxInFlight?: number;
  haltWhen?: HaltPolicy;
  /**
   * On halt: reprovision the halted wave ('wave', default when `previous` is set), every updated
   * node ('all'), or nothing (false). Unless false, failed nodes of a wave that passes (within the
   * failure budget) also go back to `previous` (a `rollback` decision with repair=true).
   */
  rollback?: boolean | 'wave' | 'all';
  /** Watch each finished wave this long (modelled ms) for post-boot failures before the next. */
  soak?: number;
  health?: HealthCheck;
  /** Retries of a node whose provisioning failed (not of health failures). Default 1. */
  retries?: number;
  /** Per attempt, modelled ms. Default 30 min. */
  readyTimeoutMs?: number;
  /** Abandon a provision call after this long (modelled ms), counting a failure. Default: wait. */
  requestTimeoutMs?: number;
  /** Target API calls in flight. Default 64. */
  apiConcurrency?: number;
  /** Seed of the wave order and A/B split; default the run's seed. */
  seed?: number;
}

export interface WaveReport {
  name: string;
  sites: number;
  nodes: number;
  stats: WaveStats;
  decision: 'done' | 'halted';
  reason?: string;
  /** A/B: per cohort. */
  cohorts?: { a: WaveStats; b: WaveStats };
  /** Rollback of this wave's nodes to `previous`. */
  rollback?: WaveStats;
  startMs: number;
  endMs: number;
}

export interface RolloutResult {
  status: 'completed' | 'halted';
  haltedWave?: string;
  reason?: string;
  waves: WaveReport[];
  /** Last outcome per node touched (rollbacks included). */
  outcomes: Map<string, NodeOutcome>;
}

/** Validate options (every problem with its path); throws FLEETLAB_ERR_SCENARIO_INVALID. */
export function checkRolloutOptions(o: RolloutOptions): void {
  const problems = new Problems();
  if (!o.image || typeof o.image.name !== 'string') problems.add('rollout.image', 'expected an image from target.image(name, bytes)');
  if (o.previous && o.previous.name === o.image?.name) problems.add('rollout.previous', `same image as rollout.image (${o.previous.name})`);
  if (o.maxUnavailable !== undefined && parseMaxUnavailable(o.maxUnavailable) === null) problems.add('rollout.maxUnavailable', `expected a count >= 1 or a share like '25%', got ${JSON.stringify(o.maxUnavailable)}`);
  const hw = o.haltWhen ?? {};
  if (hw.failureRate !== undefined && !(hw.failureRate >= 0 && hw.failureRate <= 1)) problems.add('rollout.haltWhen.failureRate', `expected 0..1, got ${hw.failureRate}`);
  if (hw.p95TimeToReadyMs !== undefined && !(hw.p95TimeToReadyMs > 0)) problems.add('rollout.haltWhen.p95TimeToReadyMs', `expected ms > 0, got ${hw.p95TimeToReadyMs}`);
  if (o.maxInFlight !== undefined && !(Number.isInteger(o.maxInFlight) && o.maxInFlight >= 1)) problems.add('rollout.maxInFlight', `expected an integer >= 1, got ${o.maxInFlight}`);
  if (o.soak !== undefined && !(o.soak >= 0)) problems.add('rollout.soak', `expected modelled ms >= 0, got ${o.soak}`);
  if (o.retries !== undefined && !(Number.isInteger(o.retries) && o.retries >= 0)) problems.add('rollout.retries', `expected an integer >= 0, got ${o.retries}`);
  const s = o.strategy ?? 'rolling';
  if (typeof s === 'object') {
    if (s.kind !== 'ab' || !s.b || typeof s.b.name !== 'string') problems.add('rollout.strategy', "expected 'rolling', 'blue-green' or {kind: 'ab', b: image}");
    else if (s.split !== undefined && !(s.split > 0 && s.split < 1)) problems.add('rollout.strategy.split', `expected a share in (0, 1), got ${s.split}`);
  } else if (s !== 'rolling' && s !== 'blue-green') problems.add('rollout.strategy', `expected 'rolling', 'blue-green' or {kind: 'ab', b: image}, got ${JSON.stringify(s)}`);
  if (o.rollback && o.rollback !== true && o.rollback !== 'wave' && o.rollback !== 'all') problems.add('rollout.rollback', `expected 'wave', 'all' or false, got ${JSON.stringify(o.rollback)}`);
  problems.throwIfAny('SCENARIO_INVALID');
}

/** '25%' → share of the site's nodes (floor, at least 1); n → n. null when invalid. */
export function parseMaxUnavailable(v: number | string): ((siteNodes: number) => number) | null {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 1 ? () => v : null;
  // A count as a string ('2', from `--param maxUnavailable=2`) is the same as the number.
  if (/^\s*\d+\s*$/.test(v)) return parseMaxUnavailable(Number(v));
  const m = /^(\d+(?:\.\d+)?)\s*%$/.exec(v.trim());
  if (!m || !(Number(m[1]) > 0 && Number(m[1]) <= 100)) return null;
  const share = Number(m[1]) / 100;
  return (n) => Math.max(1, Math.floor(share * n + 1e-9));
}

export function strategyName(s: RolloutStrategy | undefined): string {
  return typeof s === 'object' ? 'ab' : (s ?? 'rolling');
}

/** One rollout's fixed inputs and its growing result, shared by the wave steps below. */
interface RolloutRun {
  ctx: RunContext;
  o: RolloutOptions;
  policy: HaltPolicy;
  strategy: RolloutStrategy;
  rollbackMode: false | 'wave' | 'all';
  known: Map<string, RolloutImage>;
  rounds: RoundOptions;
  allEvents: readonly FleetEvent[];
  abRng: Rng;
  result: RolloutResult;
}

export async function rollout(ctx: RunContext, o: RolloutOptions): Promise<RolloutResult> {
  checkRolloutOptions(o);
  const seed = o.seed ?? ctx.seed;
  const plan = planWaves(ctx.lab, { waves: o.waves, select: o.select, seed });
  const policy = o.haltWhen ?? {};
  const strategy = o.strategy ?? 'rolling';
  const rollbackMode = o.rollback === false ? false : o.rollback === 'all' ? 'all' : o.previous ? 'wave' : false;
  const known = new Map<string, RolloutImage>();
  for (const im of [o.previous, o.image, typeof strategy === 'object' ? strategy.b : undefined]) if (im) known.set(im.name, im);
  const readyAt = new Map<string, number>();
  const offReady = ctx.events.on('node.ready', (e) => readyAt.set(e.node, e.t));
  // all() buffers from its first call: start it now when a predicate will read events.
  const allEvents = policy.when ? ctx.events.all() : [];
  const rounds = roundOptions(o, known, readyAt);
  const result: RolloutResult = { status: 'completed', waves: [], outcomes: new Map() };
  const abRng = createRng(seed).child('rollout-ab');
  const run: RolloutRun = { ctx, o, policy, strategy, rollbackMode, known, rounds, allEvents, abRng, result };
  try {
    for (const wave of plan) {
      if ((await runWave(run, wave)) === 'halted') break;
    }
  } finally {
    offReady();
  }
  return result;
}

/** The reprovisioning rounds' options, from the rollout's (defaults filled in). */
function roundOptions(o: RolloutOptions, known: Map<string, RolloutImage>, readyAt: Map<string, number>): RoundOptions {
  return {
    perSite: parseMaxUnavailable(o.maxUnavailable ?? 1)!,
    retries: o.retries ?? 1,
    readyTimeoutMs: o.readyTimeoutMs ?? 30 * 60_000,
    health: o.health ?? defaultHealthCheck,
    known,
    apiConcurrency: o.apiConcurrency ?? 64,
    readyAt,
    ...(o.requestTimeoutMs !== undefined ? { requestTimeoutMs: o.requestTimeoutMs } : {}),
    ...(o.maxInFlight !== undefined ? { maxInFlight: o.maxInFlight } : {}),
  };
}

/** One wave: start ─▶ strategy ─▶ [compare] ─▶ [soak] ─▶ halt (+ rollback) or [repair] ─▶ [switch] ─▶ done. */
async function runWave(r: RolloutRun, wave: PlannedWave): Promise<'done' | 'halted'> {
  const { ctx, o, policy, strategy } = r;
  const nodes = wave.nodes.map((n) => ctx.lab.node(n));
  const startMs = ctx.events.now();
  emitDecision(ctx, wave.name, 'start', nodes.length, `sites=${wave.sites.length} strategy=${strategyName(strategy)} image=${o.image.name}${typeof strategy === 'object' ? `,${strategy.b.name}` : ''} maxUnavailable=${o.maxUnavailable ?? 1}${o.maxInFlight !== undefined ? ` maxInFlight=${o.maxInFlight}` : ''}`);
  const evs = () => r.allEvents.filter((e: FleetEvent) => e.t >= startMs);
  const stopEarly = (so: readonly NodeOutcome[]) => haltReason(policy, { name: wave.name, stats: waveStats(so), plannedNodes: nodes.length }, evs, false) !== null;

  const provisioned = await provisionWave(r, nodes, stopEarly);
  let outcomes = provisioned.outcomes;
  let stats = waveStats(outcomes);
  const report: WaveReport = { name: wave.name, sites: wave.sites.length, nodes: nodes.length, stats, decision: 'done', startMs, endMs: startMs };
  if (typeof strategy === 'object') {
    const a = waveStats(outcomes.filter((x) => !provisioned.cohortB.has(x.node)));
    const b = waveStats(outcomes.filter((x) => provisioned.cohortB.has(x.node)));
    report.cohorts = { a, b };
    emitDecision(ctx, wave.name, 'compare', outcomes.length, `A=${o.image.name} ${prefix('a', a)} B=${strategy.b.name} ${prefix('b', b)}`);
  }
  let reason = haltReason(policy, { name: wave.name, stats, plannedNodes: nodes.length }, evs, true);
  if (!reason && o.soak && o.soak > 0) {
    emitDecision(ctx, wave.name, 'soak', stats.ok, `ms=${o.soak}`);
    outcomes = await soak(ctx, outcomes, o.soak, r.rounds);
    stats = report.stats = waveStats(outcomes);
    reason = haltReason(policy, { name: wave.name, stats, plannedNodes: nodes.length }, evs, true);
  }
  recordOutcomes(r, wave.name, 'wave', outcomes);
  r.result.waves.push(report);
  if (reason) {
    await haltWave(r, { name: wave.name, nodes, report, outcomes, stats, blue: provisioned.blue }, reason);
    return 'halted';
  }
  await repairFailed(r, wave.name, outcomes, report);
  if (strategy === 'blue-green') {
    emitDecision(ctx, wave.name, 'switch', stats.ok, `green=${stats.ok} blue retired=${provisioned.blue.length}`);
    await pool(provisioned.blue, r.rounds.apiConcurrency, (n) => ctx.target.deprovision([n]));
  }
  report.endMs = ctx.events.now();
  emitDecision(ctx, wave.name, 'done', stats.ok, formatStats(stats));
  return 'done';
}

/** The strategy's provisioning of a wave: outcomes, the blue (serving) set, the A/B cohort B. */
async function provisionWave(r: RolloutRun, nodes: NodeHandle[], stopEarly: (so: readonly NodeOutcome[]) => boolean): Promise<{ outcomes: NodeOutcome[]; blue: NodeHandle[]; cohortB: Set<string> }> {
  const { ctx, o, strategy, rounds } = r;
  const cohortB = new Set<string>();
  if (strategy === 'blue-green') {
    const split = blueGreenSplit(nodes);
    const outcomes: NodeOutcome[] = split.noGreen.map((n) => ({ node: n.name, site: n.site, profile: n.profile, image: o.image.name, ok: false, runs: n.diskImage(), ttrMs: null, attempts: 0, code: ERRORS.SCENARIO_INVALID.code, message: `site ${n.site} has no idle (green) node to provision` }));
    // Green nodes serve nothing yet: the whole green set of a site is provisioned at once.
    const res = await reprovisionRounds(ctx, split.green.map((node) => ({ node, image: o.image })), { ...rounds, perSite: (n) => n, shouldStop: (so) => stopEarly([...outcomes, ...so]) });
    outcomes.push(...res.outcomes);
    return { outcomes, blue: split.blue, cohortB };
  }
  let items: ProvisionItem[] = nodes.map((node) => ({ node, image: o.image }));
  if (typeof strategy === 'object') {
    const share = strategy.split ?? 0.5;
    items = nodes.map((node) => (r.abRng.next() < share ? (cohortB.add(node.name), { node, image: strategy.b }) : { node, image: o.image }));
  }
  const outcomes = (await reprovisionRounds(ctx, items, { ...rounds, shouldStop: stopEarly })).outcomes;
  return { outcomes, blue: [], cohortB };
}

/** A halted wave: record the halt, then roll back (retire green, or reprovision `previous`). */
async function haltWave(r: RolloutRun, w: { name: string; nodes: NodeHandle[]; report: WaveReport; outcomes: NodeOutcome[]; stats: WaveStats; blue: NodeHandle[] }, reason: string): Promise<void> {
  const { ctx, o, result, rounds, rollbackMode } = r;
  const { report } = w;
  report.decision = 'halted';
  report.reason = reason;
  result.status = 'halted';
  result.haltedWave = w.name;
  result.reason = reason;
  emitDecision(ctx, w.name, 'halt', w.stats.failed, `${formatStats(w.stats)} reason="${reason}"`);
  if (r.strategy === 'blue-green') {
    // Blue never stopped serving: retiring the green set is the rollback.
    const green = w.outcomes.filter((x) => x.attempts > 0).map((x) => ctx.lab.node(x.node));
    await pool(green, rounds.apiConcurrency, (n) => ctx.target.deprovision([n]).catch(() => undefined));
    emitDecision(ctx, w.name, 'rollback', green.length, `green retired=${green.length} blue serving=${w.blue.length}`);
  } else if (rollbackMode && o.previous) {
    const scope = rollbackMode === 'all' ? [...result.outcomes.values()].map((x) => ctx.lab.node(x.node)) : w.nodes;
    const todo = scope.filter((n) => !rounds.health(n, o.previous!, r.known).ok);
    const res = await reprovisionRounds(ctx, todo.map((node) => ({ node, image: o.previous! })), rounds);
    recordOutcomes(r, rollbackMode === 'all' ? 'all' : w.name, 'rollback', res.outcomes);
    report.rollback = waveStats(res.outcomes);
    emitDecision(ctx, rollbackMode === 'all' ? 'all' : w.name, 'rollback', todo.length, `image=${o.previous.name} ${formatStats(report.rollback)}`);
  } else emitDecision(ctx, w.name, 'rollback', 0, 'skipped=true reason="no previous image or rollback disabled"');
  report.endMs = ctx.events.now();
}

/** A wave within budget: no node stays broken, failed nodes go back to the previous image. */
async function repairFailed(r: RolloutRun, wave: string, outcomes: NodeOutcome[], report: WaveReport): Promise<void> {
  const { ctx, o, rounds } = r;
  const broken = r.strategy !== 'blue-green' && r.rollbackMode && o.previous ? outcomes.filter((x) => !x.ok).map((x) => ctx.lab.node(x.node)).filter((n) => !rounds.health(n, o.previous!, r.known).ok) : [];
  if (broken.length > 0 && o.previous) {
    const res = await reprovisionRounds(ctx, broken.map((node) => ({ node, image: o.previous! })), rounds);
    recordOutcomes(r, wave, 'repair', res.outcomes);
    report.rollback = waveStats(res.outcomes);
    emitDecision(ctx, wave, 'rollback', broken.length, `repair=true image=${o.previous.name} ${formatStats(report.rollback)}`);
  }
}

/** The rollout's verdict per node: into the result (last wins) and the log (rollout.node), so the reports tell the same story. */
function recordOutcomes(r: RolloutRun, wave: string, step: 'wave' | 'rollback' | 'repair', outcomes: readonly NodeOutcome[]): void {
  for (const x of outcomes) {
    r.result.outcomes.set(x.node, x);
    r.ctx.events.emit({ kind: 'rollout.node', wave, step, node: x.node, image: x.image, ok: x.ok, attempts: x.attempts, ...(x.code !== undefined ? { code: x.code } : {}) });
  }
}

function emitDecision(ctx: RunContext, wave: string, decision: 'start' | 'done' | 'halt' | 'rollback' | 'soak' | 'switch' | 'compare', nodes: number, detail?: string): void {
  ctx.events.emit({ kind: 'wave.decision', wave, decision, nodes, ...(detail !== undefined ? { detail } : {}) });
  ctx.log(`wave ${wave}: ${decision} (${nodes} nodes)${detail ? ` ${detail}` : ''}`);
}

function prefix(p: string, s: WaveStats): string {
  return formatStats(s)
    .split(' ')
    .map((kv) => `${p}.${kv}`)
    .join(' ');
}

/** Blue = serving (powered on, an image on disk); green = the site's idle nodes. */
function blueGreenSplit(nodes: NodeHandle[]): { blue: NodeHandle[]; green: NodeHandle[]; noGreen: NodeHandle[] } {
  const bySite = new Map<string, NodeHandle[]>();
  for (const n of nodes) {
    let l = bySite.get(n.site);
    if (!l) bySite.set(n.site, (l = []));
    l.push(n);
  }
  const out = { blue: [] as NodeHandle[], green: [] as NodeHandle[], noGreen: [] as NodeHandle[] };
  for (const list of bySite.values()) {
    const blue = list.filter((n) => n.power() === 'on' && n.diskImage() !== null);
    const green = list.filter((n) => !blue.includes(n));
    if (green.length === 0) out.noGreen.push(...list);
    else {
      out.blue.push(...blue);
      out.green.push(...green);
    }
  }
  return out;
}

/** Watch healthy nodes for `ms` (modelled): a failure, power-off or failed re-probe makes the node failed. */
async function soak(ctx: RunContext, outcomes: NodeOutcome[], ms: number, o: RoundOptions): Promise<NodeOutcome[]> {
  const watched = new Set(outcomes.filter((x) => x.ok).map((x) => x.node));
  const bad = new Map<string, { code: string; message: string; emitted: boolean }>();
  const off1 = ctx.events.on('node.failed', (e) => {
    if (watched.has(e.node) && !bad.has(e.node)) bad.set(e.node, { code: e.code, message: `during soak: ${e.message}`, emitted: true });
  });
  const off2 = ctx.events.on('node.power', (e) => {
    if (e.state === 'off' && watched.has(e.node) && !bad.has(e.node)) bad.set(e.node, { code: HEALTH_CODE, message: `${e.node} powered off during soak${e.cause ? ` (${e.cause})` : ''}`, emitted: false });
  });
  try {
    await ctx.sleep(ms);
  } finally {
    off1();
    off2();
  }
  return outcomes.map((x) => {
    if (!x.ok) return x;
    let b = bad.get(x.node);
    if (!b) {
      const h = o.health(ctx.lab.node(x.node), o.known.get(x.image)!, o.known);
      if (!h.ok) b = { code: HEALTH_CODE, message: `after soak: ${h.detail ?? 'health check failed'}`, emitted: false };
    }
    if (!b) return x;
    if (!b.emitted) ctx.events.emit({ kind: 'node.failed', node: x.node, phase: 'ready', code: b.code, message: b.message });
    return { ...x, ok: false, code: b.code, message: b.message, runs: ctx.lab.node(x.node).diskImage() };
  });
}
