/**
 * Applies fault specs to the lab as start/stop pairs on a seeded schedule (Jepsen's nemesis):
 *
 *   inject/schedule(spec) ─▶ validate all (paths) ─▶ timing: once | at | when(phase) | every | random
 *        ─▶ activation k: selector → targets (seeded) → probability filter → plugin.start()
 *             emit fault.start ─── duration ───▶ stopper() ─▶ emit fault.stop
 *   healAll() ─▶ cancel every pending start, stop every active window, heal every link
 *
 * Determinism: the controller's RNG is the run RNG's 'faults' child; each spec gets its own
 * child by id and each activation a child of that, so the same seed gives the same targets,
 * gaps and durations, and adding a fault does not shift the others. Activation ids are the spec
 * id for one-shot faults and `<spec id>#<k>` for repeated ones.
 *
 * Invariants: every fault.start is followed by exactly one fault.stop (by its window's end,
 * stop(id) or healAll()); healAll() is idempotent and leaves no timers behind.
 */
import type { Rng } from '../base/rng.ts';
import type { EventBody, NodePhase } from '../base/event.ts';
import { Problems } from '../base/problem.ts';
import { ERRORS, FleetlabError } from '../base/errors.ts';
import type { FaultPlugin, FaultTargets, Stopper } from './fault-plugin.ts';
import type { FaultWorld, WorldNode } from './fault-world.ts';
import type { FaultSpec, Range } from './fault-spec.ts';
import { parseFaultSpec } from './fault-spec.ts';
import { checkSelector, parseSelector, resolveSelector, selectorLabel, targetNames, WorldIndex } from './fault-selector.ts';
import { isRecord } from '../base/values.ts';
import { FAULT_PLUGINS } from './fault-registry.ts';

/** One fault window, as reports shade it. Times are clock.now() values (ms since run start). */
export interface FaultWindow {
  id: string;
  spec: string;
  kind: string;
  selector: string;
  targets: string[];
  start: number;
  stop?: number;
}

interface SpecState {
  spec: FaultSpec;
  rng: Rng;
  k: number;
  done: boolean;
  cancel?: () => void;
  unsubscribe?: () => void;
  activations: Set<string>;
  /** `when` without a node: the nodes that trigger (drawn once) and the entities already hit. */
  candidates?: Set<string>;
  hit?: Set<string>;
}

interface Activation {
  id: string;
  state: SpecState;
  stopper: Stopper;
  window: FaultWindow;
  cancel?: () => void;
}

export class FaultController {
  readonly windows: FaultWindow[] = [];
  private readonly index: WorldIndex;
  private readonly rng: Rng;
  private readonly specs = new Map<string, SpecState>();
  private readonly active = new Map<string, Activation>();
  private seq = 0;

  constructor(
    readonly world: FaultWorld,
    private readonly plugins: ReadonlyMap<string, FaultPlugin> = FAULT_PLUGINS,
  ) {
    this.index = new WorldIndex(world);
    this.rng = world.rng.child('faults');
  }

  /** Validate specs against the registry and this world; all problems at `path[i]…`. */
  validate(inputs: readonly unknown[], path: string, problems: Problems): FaultSpec[] {
    return this.validateAt(inputs.map((input, i) => [input, `${path}[${i}]`]), problems);
  }

  private validateAt(items: [unknown, string][], problems: Problems): FaultSpec[] {
    const out: FaultSpec[] = [];
    const ids = new Set(this.specs.keys());
    items.forEach(([input, p], i) => {
      const before = problems.list.length;
      const raw = isRecord(input) ? input : {};
      const kind = typeof raw.kind === 'string' ? raw.kind : 'fault';
      const spec = parseFaultSpec(input, p, problems, this.plugins, `${kind}-${this.seq + i + 1}`);
      // World checks run even when the spec has other problems, so one pass shows them all.
      const scratch = new Problems();
      const sel = parseSelector(raw.selector, '', scratch);
      if (sel) checkSelector(sel, this.index, `${p}.selector`, problems);
      const whenNode = isRecord(raw.when) ? raw.when.node : undefined;
      if (typeof whenNode === 'string' && !this.index.nodeByName.has(whenNode)) problems.add(`${p}.when.node`, `unknown node '${whenNode}'`);
      const plugin = this.plugins.get(kind);
      const why = plugin?.check?.(this.world);
      if (why) problems.add(`${p}.kind`, why);
      if (!spec) return;
      if (ids.has(spec.id)) problems.add(`${p}.id`, `fault id '${spec.id}' is already used`);
      ids.add(spec.id);
      if (problems.list.length === before) out.push(spec);
    });
    return out;
  }

  /** Start (or arm) one fault; returns its id. Throws FLEETLAB_ERR_SCENARIO_INVALID listing every problem. */
  inject(input: unknown, path = 'fault'): Promise<string> {
    return this.armAll([[input, path]]).then((ids) => ids[0]!);
  }

  /** Arm several faults at once (validated together first: nothing starts if any is invalid). */
  schedule(inputs: readonly unknown[], path = 'faults'): Promise<string[]> {
    return this.armAll(inputs.map((input, i) => [input, `${path}[${i}]`]));
  }

  private async armAll(items: [unknown, string][]): Promise<string[]> {
    const problems = new Problems();
    const specs = this.validateAt(items, problems);
    problems.throwIfAny('SCENARIO_INVALID');
    return specs.map((s) => this.arm(s));
  }

  /** Stop a fault by spec id (its future windows too) or one activation by its id. */
  async stop(id: string): Promise<void> {
    const st = this.specs.get(id);
    if (st) {
      this.disarm(st);
      await Promise.all([...st.activations].map((a) => this.deactivate(a)));
      return;
    }
    if (this.active.has(id)) return this.deactivate(id);
    throw new FleetlabError('SCENARIO_INVALID', `no fault with id '${id}'`);
  }

  /** Stop everything, always at the end of a run; links are healed as a safety net. */
  async healAll(): Promise<void> {
    for (const st of this.specs.values()) this.disarm(st);
    await Promise.all([...this.active.keys()].map((id) => this.deactivate(id)));
    for (const s of this.world.sites) s.link.heal();
  }

  /** Active activation ids (for tests and status). */
  activeIds(): string[] {
    return [...this.active.keys()];
  }

  // ── scheduling ─────────────────────────────────────────────────────────────────────────────

  private arm(spec: FaultSpec): string {
    this.seq++;
    const st: SpecState = { spec, rng: this.rng.child(`spec:${spec.id}`), k: 0, done: false, activations: new Set() };
    this.specs.set(spec.id, st);
    const clock = this.world.clock;
    const t = spec.timing;
    switch (t.kind) {
      case 'once':
        if (spec.atMs > 0) st.cancel = clock.after(spec.atMs, () => this.fire(st));
        else this.fire(st);
        break;
      case 'when': {
        const subscribe = () => {
          st.cancel = undefined;
          if (!st.done) st.unsubscribe = this.world.onPhase((node, phase) => this.onPhase(st, node, phase));
        };
        if (t.node === undefined) {
          // Candidates are drawn now so a seeded share of nodes is fixed for the run.
          const cands = resolveSelector(spec.selector, 'node', this.index, st.rng.child('candidates')).nodes;
          st.hit = new Set();
          st.candidates = new Set(cands.map((n) => n.name));
        }
        if (spec.atMs > 0) st.cancel = clock.after(spec.atMs, subscribe);
        else subscribe();
        break;
      }
      case 'every': {
        let n = 0;
        const tick = () => {
          st.cancel = undefined;
          if (st.done) return;
          n++;
          if (spec.count === undefined || n < spec.count) st.cancel = clock.after(t.everyMs, tick);
          this.fire(st);
        };
        if (spec.atMs > 0) st.cancel = clock.after(spec.atMs, tick);
        else tick();
        break;
      }
      case 'random':
        this.nextRandom(st, spec.atMs);
        break;
    }
    return spec.id;
  }

  /** Jepsen-style: gap (seeded), window, gap, … until count or healAll. */
  private nextRandom(st: SpecState, extraMs = 0): void {
    const t = st.spec.timing;
    if (st.done || t.kind !== 'random') return;
    if (st.spec.count !== undefined && st.k >= st.spec.count) return;
    const gap = 'mean' in t.interval ? -Math.log(1 - st.rng.next()) * t.interval.mean : drawRange(t.interval, st.rng);
    st.cancel = this.world.clock.after(extraMs + gap, () => {
      st.cancel = undefined;
      const id = this.fire(st);
      // A window that could not start (no target drawn) still counts; wait for the next gap.
      if (id === undefined) this.nextRandom(st);
    });
  }

  private onPhase(st: SpecState, node: string, phase: NodePhase): void {
    const t = st.spec.timing;
    if (st.done || t.kind !== 'when' || phase !== t.phase) return;
    if (t.node !== undefined) {
      if (node !== t.node) return;
      st.unsubscribe?.();
      st.unsubscribe = undefined;
      if (st.spec.selectorDefaulted) {
        const n = this.index.nodeByName.get(node)!;
        this.fire(st, this.scoped(st.spec.plugin, n));
      } else this.fire(st);
      return;
    }
    if (!st.candidates?.has(node)) return;
    const n = this.index.nodeByName.get(node);
    if (!n) return;
    const targets = this.scoped(st.spec.plugin, n);
    const key = targetNames(targets).join(',');
    if (st.hit!.has(key)) return;
    st.hit!.add(key);
    this.fire(st, targets);
  }

  /** The entity of `plugin`'s scope that node `n` stands for. */
  private scoped(plugin: FaultPlugin, n: WorldNode): FaultTargets {
    switch (plugin.scope) {
      case 'node':
        return { sites: [], nodes: [n], bmcs: [] };
      case 'site': {
        const s = this.index.siteByName.get(n.site);
        return { sites: s ? [s] : [], nodes: [], bmcs: [] };
      }
      case 'bmc': {
        const b = n.bmc ? this.index.bmcById.get(n.bmc) : undefined;
        return { sites: [], nodes: [], bmcs: b ? [b] : [] };
      }
      case 'target':
        return { sites: [], nodes: [], bmcs: [] };
    }
  }

  private disarm(st: SpecState): void {
    st.done = true;
    st.cancel?.();
    st.cancel = undefined;
    st.unsubscribe?.();
    st.unsubscribe = undefined;
  }

  // ── activations ────────────────────────────────────────────────────────────────────────────

  /** Start one activation; returns its id, or undefined when nothing was hit. */
  private fire(st: SpecState, given?: FaultTargets): string | undefined {
    const spec = st.spec;
    const k = ++st.k;
    const repeated = spec.timing.kind !== 'once';
    const id = repeated ? `${spec.id}#${k}` : spec.id;
    // The activation's own stream, created only when something draws from it (scale: 30,000
    // phase-triggered activations should not each build an RNG they never use).
    let rngCache: Rng | undefined;
    const rng = () => (rngCache ??= st.rng.child(`#${k}`));
    let targets = given ?? resolveSelector(spec.selector, spec.plugin.scope, this.index, rng());
    if (spec.probability < 1) {
      const keep = <T>(xs: T[]) => xs.filter(() => rng().next() < spec.probability);
      targets = { sites: keep(targets.sites), nodes: keep(targets.nodes), bmcs: keep(targets.bmcs) };
    }
    const names = targetNames(targets);
    if (spec.plugin.scope !== 'target' && names.length === 0) return undefined;
    const durationMs = spec.duration ? drawRange(spec.duration, rng) : undefined;
    const clock = this.world.clock;
    const selector = given && spec.timing.kind === 'when' ? `${selectorLabel(spec.selector)} @${spec.timing.phase}` : selectorLabel(spec.selector);
    const targetField = spec.selector.kind === 'all' && !given ? {} : { targets: names };
    const subWindow = (name: string) => {
      const sid = `${id}/${name}`;
      const w: FaultWindow = { id: sid, spec: spec.id, kind: spec.kind, selector, targets: names, start: clock.now() };
      this.windows.push(w);
      this.world.emit({ kind: 'fault.start', id: sid, fault: spec.kind, selector, params: { ...spec.rawParams, part: name }, ...targetField });
      let open = true;
      return () => {
        if (!open) return;
        open = false;
        w.stop = clock.now();
        this.world.emit({ kind: 'fault.stop', id: sid, fault: spec.kind });
      };
    };
    // The window opens before the plugin runs so its sub-windows nest inside it in the log.
    const window: FaultWindow = { id, spec: spec.id, kind: spec.kind, selector, targets: names, start: clock.now() };
    this.windows.push(window);
    const params: Record<string, unknown> = { ...spec.rawParams };
    if (durationMs !== undefined) params.durationMs = durationMs;
    // 'all' says it all; naming 30,000 nodes in every flap event would bloat the log.
    this.world.emit({ kind: 'fault.start', id, fault: spec.kind, selector, params, ...targetField });
    const untouched = spec.plugin.simOnly ? targets.nodes.filter((n) => n.tier !== undefined && n.tier !== 'sim').map((n) => n.name) : [];
    if (untouched.length) {
      // Said once per activation, not silently skipped: a chaos run on a mixed lab must not look
      // like the VMs survived a fault they never saw.
      const names = untouched.slice(0, 5).join(', ') + (untouched.length > 5 ? `, … (${untouched.length})` : '');
      this.world.emit({ kind: 'log', level: 'warn', code: ERRORS.FAULT_UNSUPPORTED.code, msg: `fault ${id} (${spec.kind}) does not reach qemu nodes ${names}: it acts on simulated nodes' protocol stacks; for VMs use site faults (partition, loss-burst, link-flap, link-degrade) or power-loss` });
    }
    let stopper: Stopper;
    try {
      const ctx = {
        id,
        world: this.world,
        clock,
        get rng() {
          return rng();
        },
        emit: (b: EventBody) => this.world.emit(b),
        subWindow,
      };
      stopper = spec.plugin.start(ctx, targets, spec.params);
    } catch (e) {
      this.world.emit({ kind: 'log', level: 'error', msg: `fault ${id} (${spec.kind}) failed to start: ${(e as Error).message}`, code: ERRORS.SCENARIO_INVALID.code });
      window.stop = clock.now();
      this.world.emit({ kind: 'fault.stop', id, fault: spec.kind });
      return undefined;
    }
    const a: Activation = { id, state: st, stopper, window };
    this.active.set(id, a);
    st.activations.add(id);
    if (durationMs !== undefined) a.cancel = clock.after(durationMs, () => void this.deactivate(id));
    return id;
  }

  private async deactivate(id: string): Promise<void> {
    const a = this.active.get(id);
    if (!a) return;
    this.active.delete(id);
    a.state.activations.delete(id);
    a.cancel?.();
    try {
      await a.stopper();
    } catch (e) {
      this.world.emit({ kind: 'log', level: 'warn', msg: `fault ${id} (${a.window.kind}) stop: ${(e as Error).message}` });
    }
    a.window.stop = this.world.clock.now();
    this.world.emit({ kind: 'fault.stop', id, fault: a.window.kind });
    if (a.state.spec.timing.kind === 'random') this.nextRandom(a.state);
  }
}

function drawRange(r: Range, rng: Rng | (() => Rng)): number {
  if (r.min === r.max) return r.min;
  return r.min + (typeof rng === 'function' ? rng() : rng).next() * (r.max - r.min);
}
