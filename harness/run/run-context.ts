/**
 * Builds what a scenario's `run` receives: node handles, the target behind a narrow API, fault
 * injection, thresholds (`expect`, each an `expect.result` event) and named steps.
 */
import type { Clock } from '../../lab/base/clock.ts';
import type { Rng } from '../../lab/base/rng.ts';
import type { EventKind, EventOf, FleetEvent } from '../../lab/base/event.ts';
import type { Lab } from '../../lab/lab.ts';
import type { Target } from '../targets/target.ts';
import { pool } from '../targets/reference/reference-api.ts';
import type { EventLog } from '../events/event-log.ts';
import type { NodeTracker } from './node-tracker.ts';
import type { ExpectApi, LabApi, NodeHandle, Params, RunContext, ScenarioDefinition, TargetApi, WaitResult } from '../scenario.ts';
import type { FaultApi } from '../fault-api.ts';
import type { LabExtensions } from './lab-extensions.ts';
import { toTargetNode } from './run-scenario.ts';
import { createFaultApi } from './create-fault-api.ts';
import { quantileSorted } from '../../reports/stats/stat.ts';
import { isSiteLinkControl } from '../../lab/net/site-link-model.ts';
import { linkLabel } from '../rollout/site-labels.ts';

export interface RunContextDeps {
  scenario: ScenarioDefinition;
  params: Params;
  seed: number;
  lab: Lab;
  target: Target;
  log: EventLog;
  tracker: NodeTracker;
  clock: Clock;
  rng: Rng;
  signal: AbortSignal;
  ext: LabExtensions;
}

export function buildRunContext(d: RunContextDeps): RunContext<Params> {
  const { lab, target, log, tracker, clock, signal } = d;
  // Site labels carry the WAN preset (`link`) so rollouts can select by it (same as the dry-run plan).
  const siteLabels = new Map(lab.sites.map((s) => [s.name, { ...s.spec.labels, link: linkLabel(isSiteLinkControl(s.link) ? s.link.baseProfile : undefined) }]));
  const handles: NodeHandle[] = lab.nodes.map((n) => {
    return {
      ...toTargetNode(lab, n.name),
      labels: { ...siteLabels.get(n.site), ...n.spec.profile.labels, profile: n.spec.profile.name, node: n.name },
      diskImage: () => n.sim?.disk?.name ?? null,
      power: () => n.machine.power(),
      phase: () => n.sim?.phase ?? null,
    };
  });
  const byName = new Map(handles.map((h) => [h.name, h]));
  const handlesBySite = new Map<string, NodeHandle[]>();
  for (const h of handles) {
    const list = handlesBySite.get(h.site);
    if (list) list.push(h);
    else handlesBySite.set(h.site, [h]);
  }
  const node = (name: string) => {
    const h = byName.get(name);
    if (!h) throw new Error(`unknown node '${name}'`);
    return h;
  };

  const labApi: LabApi = {
    nodes: handles,
    sites: lab.sites.map((s) => ({ name: s.name, labels: siteLabels.get(s.name)!, nodes: handlesBySite.get(s.name) ?? [], link: s.spec.link })),
    node,
    async waitReady(nodes, opts) {
      const since = opts?.since ?? clock.now();
      const ac = new AbortController();
      const onOuter = () => ac.abort();
      signal.addEventListener('abort', onOuter, { once: true });
      // A signal that fired before this wait began (SIGINT during the provision step) never calls onOuter.
      if (signal.aborted) ac.abort();
      const timeoutReal = opts?.timeoutMs !== undefined ? Math.max(1000, opts.timeoutMs * clock.timeScale) : undefined;
      const timer = timeoutReal !== undefined ? setTimeout(() => ac.abort(), timeoutReal) : undefined;
      try {
        await tracker.wait(
          nodes.map((n) => n.name),
          since,
          ac.signal,
        );
      } finally {
        clearTimeout(timer);
        signal.removeEventListener('abort', onOuter);
      }
      signal.throwIfAborted();
      const out: WaitResult = { ready: [], failed: [], timedOut: [] };
      for (const h of nodes) {
        const p = tracker.nodes.get(h.name)!;
        if (p.readyAt !== null && p.readyAt >= since) out.ready.push(h);
        else if (p.failedAt !== null && p.failedAt >= since) out.failed.push({ node: h, code: p.failure?.code ?? '?', message: p.failure?.message ?? '' });
        else out.timedOut.push(h);
      }
      for (const h of out.timedOut) log.emit({ kind: 'node.failed', node: h.name, phase: (h.phase() ?? 'power-on') as never, code: 'FLEETLAB_ERR_NODE_TIMEOUT', message: `not ready after ${opts?.timeoutMs ?? '?'} ms` });
      return out;
    },
    async power(nodes, op) {
      await Promise.all(nodes.map((h) => lab.node(h.name)!.machine.setPower(op)));
    },
  };

  const targetApi: TargetApi = {
    name: target.name,
    enroll: (nodes) => target.enroll(nodes),
    // A deploy request per node, 256 in flight: an operator script fanning out a fleet rollout.
    provision: (nodes, image) => pool(nodes, 256, (n) => target.provision(n, image)),
    deprovision: (nodes) => pool(nodes, 64, (n) => target.deprovision(n)),
    state: (n) => target.state(n),
    image: (name, bytes) => target.image(name, bytes),
  };

  const record = (name: string, ok: boolean, value: number | null, limit: string) => {
    log.emit({ kind: 'expect.result', name, ok, value, limit });
    return ok;
  };
  const ttrs = (nodes?: NodeHandle[]) => {
    const out: number[] = [];
    for (const h of nodes ?? handles) {
      const p = tracker.nodes.get(h.name)!;
      if (p.readyAt !== null && p.powerOnAt !== null) out.push(p.readyAt - p.powerOnAt);
    }
    return out;
  };
  const expectApi: ExpectApi = {
    readyRatio(name, min, nodes) {
      const list = nodes ?? handles;
      const ready = list.filter((h) => tracker.nodes.get(h.name)!.readyAt !== null && tracker.nodes.get(h.name)!.failedAt === null).length;
      const ratio = list.length ? ready / list.length : 1;
      return record(name, ratio >= min, ratio, `>= ${min}`);
    },
    p95TimeToReadyMs(name, maxMs, nodes) {
      const s = ttrs(nodes).sort((a, b) => a - b);
      // Same percentile definition as the reports (linear interpolation between ranks).
      const p95 = s.length ? quantileSorted(s, 0.95) : null;
      return record(name, p95 !== null && p95 <= maxMs, p95 === null ? null : Math.round(p95 * 10) / 10, `<= ${maxMs}`);
    },
    check: record,
  };

  const faults: FaultApi = createFaultApi({ lab, target, log, clock, rng: d.rng, tracker, signal });

  return {
    params: d.params,
    seed: d.seed,
    lab: labApi,
    target: targetApi,
    faults,
    expect: expectApi,
    events: {
      on<K extends EventKind>(kind: K, cb: (e: EventOf<K>) => void) {
        return log.on((e: FleetEvent) => {
          if (e.kind === kind) cb(e as EventOf<K>);
        });
      },
      all: () => allEvents(log),
      emit: (b) => log.emit(b),
      now: () => clock.now(),
    },
    async step(title, fn) {
      const t0 = clock.now();
      log.emit({ kind: 'step.start', step: title });
      try {
        const r = await fn();
        log.emit({ kind: 'step.end', step: title, ok: true, ms: Math.round(clock.now() - t0) });
        return r;
      } catch (e) {
        log.emit({ kind: 'step.end', step: title, ok: false, ms: Math.round(clock.now() - t0), error: e instanceof Error ? e.message : String(e) });
        throw e;
      }
    },
    log: (msg) => log.emit({ kind: 'log', level: 'info', msg }),
    sleep: (ms) => clock.sleep(ms),
    signal,
  };
}

const buffers = new WeakMap<EventLog, FleetEvent[]>();
function allEvents(log: EventLog): FleetEvent[] {
  let b = buffers.get(log);
  if (!b) {
    const arr: FleetEvent[] = [];
    log.on((e) => arr.push(e));
    buffers.set(log, (b = arr));
  }
  return b;
}
