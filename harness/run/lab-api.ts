/**
 * The lab as a scenario sees it (`LabApi`): node handles with labels (site labels + the WAN
 * preset as `link`, so rollouts can select by it — the same labels as the dry-run plan), sites,
 * waiting for nodes to be ready, and power through the BMC's machine.
 *
 *   waitReady: NodeTracker (live events) ──ready / failed since `since`──▶ WaitResult
 *              deadline passed ──▶ timedOut + a node.failed NODE_TIMEOUT event per node, each
 *                                  node powered off (abandoned: see node-tracker.ts)
 */
import type { Clock } from '../../lab/base/clock.ts';
import { ERRORS } from '../../lab/base/errors.ts';
import type { Lab } from '../../lab/lab.ts';
import { isSiteLinkControl } from '../../lab/net/site-link-model.ts';
import type { EventLog } from '../events/event-log.ts';
import type { LabApi, NodeHandle, WaitResult } from '../scenario.ts';
import { linkLabel } from '../rollout/site-labels.ts';
import type { NodeTracker } from './node-tracker.ts';
import { toTargetNode } from './target-node.ts';

export interface LabApiDeps {
  lab: Lab;
  log: EventLog;
  tracker: NodeTracker;
  clock: Clock;
  signal: AbortSignal;
}

export function createLabApi(d: LabApiDeps): LabApi {
  const { lab } = d;
  const siteLabels = new Map(lab.sites.map((s) => [s.name, { ...s.spec.labels, link: linkLabel(isSiteLinkControl(s.link) ? s.link.baseProfile : undefined) }]));
  const handles: NodeHandle[] = lab.nodes.map((n) => ({
    ...toTargetNode(lab, n.name),
    labels: { ...siteLabels.get(n.site), ...n.spec.profile.labels, profile: n.spec.profile.name, node: n.name },
    diskImage: () => n.sim?.disk?.name ?? null,
    power: () => n.machine.power(),
    phase: () => n.sim?.phase ?? null,
  }));
  const byName = new Map(handles.map((h) => [h.name, h]));
  const handlesBySite = new Map<string, NodeHandle[]>();
  for (const h of handles) {
    const list = handlesBySite.get(h.site);
    if (list) list.push(h);
    else handlesBySite.set(h.site, [h]);
  }
  return {
    nodes: handles,
    sites: lab.sites.map((s) => ({ name: s.name, labels: siteLabels.get(s.name)!, nodes: handlesBySite.get(s.name) ?? [], link: s.spec.link })),
    node(name) {
      const h = byName.get(name);
      if (!h) throw new Error(`unknown node '${name}'`);
      return h;
    },
    waitReady: (nodes, opts) => waitReady(d, nodes, opts),
    async power(nodes, op) {
      await Promise.all(nodes.map((h) => lab.node(h.name)!.machine.setPower(op)));
    },
  };
}

async function waitReady(d: LabApiDeps, nodes: NodeHandle[], opts?: { timeoutMs?: number; since?: number }): Promise<WaitResult> {
  const { tracker, clock, signal } = d;
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
  for (const f of out.failed) {
    // The target said failed (target.state) but the node logged nothing: say it in the log, so the
    // reports count the node failed as this wait does.
    if (tracker.nodes.get(f.node.name)!.failure?.fromTarget) d.log.emit({ kind: 'node.failed', node: f.node.name, phase: (f.node.phase() ?? 'power-on') as never, code: f.code, message: f.message });
  }
  for (const h of out.timedOut) d.log.emit({ kind: 'node.failed', node: h.name, phase: (h.phase() ?? 'power-on') as never, code: ERRORS.NODE_TIMEOUT.code, message: `not ready after ${opts?.timeoutMs ?? '?'} ms; abandoned (powered off)`, abandoned: true });
  await abandon(d, out.timedOut);
  return out;
}

/**
 * Given up on: power the node off so the deployment the caller stopped waiting for cannot finish
 * behind its back and turn up `ready` after it was counted failed (issue 20 item 6). Ironic does
 * the same on a deploy timeout. The next provision boots it again.
 */
async function abandon(d: LabApiDeps, nodes: NodeHandle[]): Promise<void> {
  await Promise.all(
    nodes.map((h) =>
      d.lab
        .node(h.name)!
        .machine.setPower('off')
        .catch((e: unknown) => d.log.emit({ kind: 'node.error', node: h.name, code: ERRORS.NODE_TIMEOUT.code, message: `abandoning ${h.name}: power off failed: ${e instanceof Error ? e.message : String(e)}` })),
    ),
  );
}
