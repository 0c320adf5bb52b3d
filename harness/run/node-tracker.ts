/**
 * Per-node progress derived from the live event stream: current phase, when each node last
 * powered on into a boot, became ready or failed. Used to wait for nodes, to evaluate thresholds
 * and for live progress. O(1) per event; waiters are indexed by node.
 *
 * A node the harness gave up on (a `node.failed` NODE_TIMEOUT with `abandoned`: waitReady's deadline
 * passed, and the node was powered off) is *abandoned* until its next 'power-on' phase: a `node.ready`
 * from the abandoned deployment's tail does not count, so a later wait never sees a node ready
 * that the rollout already counted failed (reports/metrics/node-state.ts applies the same rule).
 */
import type { FleetEvent, NodePhase } from '../../lab/base/event.ts';
import { ERRORS } from '../../lab/base/errors.ts';

export interface NodeProgress {
  phase: NodePhase | null;
  /** Run time of the first 'power-on' phase after the last reset of the record (provisioning start). */
  powerOnAt: number | null;
  readyAt: number | null;
  failedAt: number | null;
  failure: { code: string; message: string; /** From target.state, not a node.failed event. */ fromTarget?: boolean } | null;
  image: string | null;
  /** Given up on (NODE_TIMEOUT) and not booted since: its events until the next power-on do not settle it. */
  abandoned: boolean;
}

type Waiter = { pending: Set<string>; since: number; onNode: (name: string) => void };

export class NodeTracker {
  readonly nodes = new Map<string, NodeProgress>();
  private readonly waiters = new Map<string, Set<Waiter>>();

  constructor(names: string[]) {
    for (const n of names) this.nodes.set(n, { phase: null, powerOnAt: null, readyAt: null, failedAt: null, failure: null, image: null, abandoned: false });
  }

  onEvent(e: FleetEvent): void {
    switch (e.kind) {
      case 'node.phase': {
        const p = this.nodes.get(e.node);
        if (!p) return;
        p.phase = e.phase;
        if (e.phase === 'power-on' && (p.powerOnAt === null || p.readyAt !== null || p.failedAt !== null)) {
          // A new boot after a finished one starts a new provisioning record.
          if (p.readyAt !== null || p.failedAt !== null) {
            p.readyAt = null;
            p.failedAt = null;
            p.failure = null;
          }
          p.powerOnAt = e.t;
        }
        if (e.phase === 'power-on') p.abandoned = false;
        return;
      }
      case 'node.ready': {
        const p = this.nodes.get(e.node);
        if (!p || p.abandoned) return;
        p.readyAt = e.t;
        p.image = e.image ?? null;
        this.settle(e.node, e.t);
        return;
      }
      case 'node.failed': {
        const p = this.nodes.get(e.node);
        if (!p || (p.abandoned && !e.abandoned)) return;
        p.failedAt = e.t;
        p.failure = { code: e.code, message: e.message };
        if (e.abandoned) p.abandoned = true;
        this.settle(e.node, e.t);
        return;
      }
      case 'target.state': {
        if (e.phase !== 'failed') return;
        const p = this.nodes.get(e.node);
        if (!p || p.abandoned) return;
        p.failedAt = e.t;
        p.failure = { code: ERRORS.TARGET.code, message: `target reports ${e.native}`, fromTarget: true };
        this.settle(e.node, e.t);
        return;
      }
      default:
        return;
    }
  }

  /** Resolves with the nodes that settled (ready or failed) at or after `since`; the rest remain pending on abort. */
  wait(names: string[], since: number, signal: AbortSignal): Promise<Set<string>> {
    const pending = new Set<string>();
    for (const n of names) {
      const p = this.nodes.get(n);
      const settled = p && ((p.readyAt !== null && p.readyAt >= since) || (p.failedAt !== null && p.failedAt >= since));
      if (!settled) pending.add(n);
    }
    const done = new Set(names.filter((n) => !pending.has(n)));
    if (pending.size === 0 || signal.aborted) return Promise.resolve(done);
    return new Promise((resolve) => {
      const w: Waiter = {
        pending,
        since,
        onNode: (name) => {
          pending.delete(name);
          done.add(name);
          if (pending.size === 0) finish();
        },
      };
      const finish = () => {
        signal.removeEventListener('abort', finish);
        for (const n of names) this.waiters.get(n)?.delete(w);
        resolve(done);
      };
      for (const n of pending) {
        let s = this.waiters.get(n);
        if (!s) this.waiters.set(n, (s = new Set()));
        s.add(w);
      }
      signal.addEventListener('abort', finish, { once: true });
    });
  }

  private settle(node: string, t: number): void {
    const ws = this.waiters.get(node);
    if (!ws) return;
    for (const w of [...ws]) if (t >= w.since && w.pending.has(node)) w.onNode(node);
  }
}
