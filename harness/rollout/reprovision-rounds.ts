/**
 * Reprovision nodes in rounds: each site gives at most `perSite(siteNodes)` nodes to a round, so
 * no site ever has more than maxUnavailable nodes out of service. Every node in a round is
 * provisioned through the target, waited for (boot from disk), health-checked; provisioning
 * failures (target call, DHCP/TFTP/HTTP, timeouts, a node that came up on its old image) are
 * retried up to `retries` times; a defect of the expected image is final (a reboot does not fix it).
 *
 *   round k: site A nodes[k·n … k·n+n) ∪ site B … (chunks of ≤ maxInFlight)
 *            ─▶ target.provision ─▶ waitReady ─▶ health ─▶ outcomes
 *                        └── `shouldStop(outcomes so far)` between rounds (halt mid-wave)
 */
import type { NodePhase } from '../../lab/base/event.ts';
import { ERRORS } from '../../lab/base/errors.ts';
import type { NodeHandle, RunContext } from '../scenario.ts';
import type { HealthCheck } from './health-check.ts';
import type { RolloutImage } from './rollout-image.ts';
import type { NodeOutcome } from './wave-stats.ts';

export interface ProvisionItem {
  node: NodeHandle;
  image: RolloutImage;
}

export interface RoundOptions {
  /** Nodes a site may have in flight at once, given how many of its nodes are in this set. */
  perSite(siteNodes: number): number;
  retries: number;
  /** Per attempt, modelled ms. */
  readyTimeoutMs: number;
  health: HealthCheck;
  known: ReadonlyMap<string, RolloutImage>;
  /** Target API calls in flight at once (a real pipeline's worker pool). */
  apiConcurrency: number;
  /** Run-time ms of the last node.ready per node (kept by the rollout's event subscription). */
  readyAt: ReadonlyMap<string, number>;
  /** Give up on a target provision call after this long (modelled ms; e.g. a hung BMC behind the target). */
  requestTimeoutMs?: number;
  /** Fleet-wide cap on nodes being reprovisioned at once (default: no cap). */
  maxInFlight?: number;
  /** Checked between rounds: true stops before the next round (halt mid-wave). */
  shouldStop?(sofar: readonly NodeOutcome[]): boolean;
}

export const HEALTH_CODE = ERRORS.HEALTH_CHECK.code;

export async function reprovisionRounds(ctx: RunContext, items: readonly ProvisionItem[], o: RoundOptions): Promise<{ outcomes: NodeOutcome[]; stopped: boolean }> {
  const bySite = new Map<string, ProvisionItem[]>();
  for (const it of items) {
    let l = bySite.get(it.node.site);
    if (!l) bySite.set(it.node.site, (l = []));
    l.push(it);
  }
  const rounds: ProvisionItem[][] = [];
  for (const list of bySite.values()) {
    const n = Math.max(1, o.perSite(list.length));
    for (let k = 0; k * n < list.length; k++) (rounds[k] ??= []).push(...list.slice(k * n, k * n + n));
  }
  // A fleet-wide cap on nodes in flight (what one provisioning server and its links can take):
  // a round larger than maxInFlight runs as several chunks.
  const cap = o.maxInFlight ?? Infinity;
  const chunks = rounds.flatMap((r) => (r.length <= cap ? [r] : Array.from({ length: Math.ceil(r.length / cap) }, (_, i) => r.slice(i * cap, (i + 1) * cap))));
  const outcomes: NodeOutcome[] = [];
  for (const round of chunks) {
    if (o.shouldStop?.(outcomes)) return { outcomes, stopped: true };
    outcomes.push(...(await attemptRound(ctx, round, o)));
  }
  return { outcomes, stopped: false };
}

async function attemptRound(ctx: RunContext, round: ProvisionItem[], o: RoundOptions): Promise<NodeOutcome[]> {
  const out: NodeOutcome[] = [];
  let pending = round;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const t0 = ctx.events.now();
    const accepted: ProvisionItem[] = [];
    const failed: { it: ProvisionItem; code: string; message: string }[] = [];
    await pool(pending, o.apiConcurrency, async (it) => {
      try {
        await withTimeout(ctx, ctx.target.provision([it.node], it.image), o.requestTimeoutMs);
        accepted.push(it);
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        const f = { it, code: typeof code === 'string' ? code : ERRORS.TARGET.code, message: `provision request failed: ${e instanceof Error ? e.message : String(e)}` };
        ctx.events.emit({ kind: 'node.failed', node: it.node.name, phase: (it.node.phase() ?? 'power-on') as NodePhase, code: f.code, message: f.message });
        failed.push(f);
      }
    });
    const byName = new Map(accepted.map((it) => [it.node.name, it]));
    if (accepted.length) {
      const r = await ctx.lab.waitReady(
        accepted.map((it) => it.node),
        { since: t0, timeoutMs: o.readyTimeoutMs },
      );
      for (const n of r.ready) {
        const it = byName.get(n.name)!;
        const h = o.health(n, it.image, o.known);
        const ready = o.readyAt.get(n.name);
        const base = { node: n.name, site: n.site, profile: n.profile, image: it.image.name, runs: h.runs, ttrMs: ready !== undefined && ready >= t0 ? ready - t0 : null, attempts: attempt };
        if (h.ok) out.push({ ...base, ok: true });
        else if (h.retryable && attempt <= o.retries) {
          failed.push({ it, code: HEALTH_CODE, message: h.detail ?? 'health check failed' });
        } else {
          const message = h.detail ?? `${n.name} failed its health check`;
          ctx.events.emit({ kind: 'node.failed', node: n.name, phase: 'ready', code: HEALTH_CODE, message });
          out.push({ ...base, ok: false, code: HEALTH_CODE, message });
        }
      }
      for (const f of r.failed) failed.push({ it: byName.get(f.node.name)!, code: f.code, message: f.message });
      for (const n of r.timedOut) failed.push({ it: byName.get(n.name)!, code: ERRORS.NODE_TIMEOUT.code, message: `not ready within ${o.readyTimeoutMs} ms (modelled)` });
    }
    pending = [];
    for (const f of failed) {
      if (attempt <= o.retries) pending.push(f.it);
      else out.push({ node: f.it.node.name, site: f.it.node.site, profile: f.it.node.profile, image: f.it.image.name, ok: false, runs: f.it.node.diskImage(), ttrMs: null, attempts: attempt, code: f.code, message: f.message });
    }
  }
  return out;
}

/** The call keeps running in the target when abandoned; the rollout just stops waiting for it. */
function withTimeout(ctx: RunContext, p: Promise<void>, ms: number | undefined): Promise<void> {
  if (ms === undefined) return p;
  let done = false;
  return Promise.race([
    p.finally(() => (done = true)),
    ctx.sleep(ms).then(() => {
      if (!done) throw Object.assign(new Error(`no answer from the target within ${ms} ms (modelled)`), { code: ERRORS.TARGET.code });
    }),
  ]);
}

export async function pool<T>(items: readonly T[], width: number, fn: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  const workers = Array.from({ length: Math.min(width, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]!);
  });
  await Promise.all(workers);
}
