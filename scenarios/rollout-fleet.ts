/**
 * rollout-fleet — roll a new immutable image across a large edge fleet, canary first.
 *
 *   npx fleetlab run scenarios/rollout-fleet.ts --param sites=100                 # CI scale
 *   npx fleetlab run scenarios/rollout-fleet.ts                                   # 10,000 sites (benchmark)
 *   npx fleetlab run scenarios/rollout-fleet.ts --param sites=100 --dry-run       # shows the waves
 *
 * The fleet (sites × nodesPerSite) sits behind mixed WAN links (shares of metro-fiber, dsl, lte
 * and satellite presets drawn per site with the seed) and first runs edge-os-1.0 (provisioned
 * by the scenario when `preprovision` is true). Then edge-os-1.1 rolls out: a canary of
 * `canarySites` sites, then cumulative waves of firstPercent %, ×factor … up to 100 %
 * (1 % → 10 % → 100 % by default), rolling within each site at most maxUnavailable nodes at a
 * time and at most maxInFlight nodes fleet-wide, halting on a wave whose failure rate passes maxFailureRate (and rolling it back).
 *
 * Expects: every wave done, every node on edge-os-1.1, p95 time-to-ready of the rollout under
 * p95ReadyMs (run-time ms).
 *
 * Timeouts are modelled ms, but image and boot-file transfers cross the shaped links in real
 * time: at a small timeScale on a busy machine keep readyTimeoutMs generous (default 4 h ≈ 72 s
 * real at timeScale 0.005).
 *
 * Params: sites, nodesPerSite, fiberShare, dslShare, lteShare, satelliteShare (link mix weights),
 * canarySites, firstPercent, factor, maxUnavailable (count or 'N%'), maxFailureRate, soakMs
 * (modelled), imageMB, timeScale, readyTimeoutMs (modelled, per attempt), p95ReadyMs,
 * preprovision (provision edge-os-1.0 first, in chunks of maxInFlight), apiConcurrency (target
 * calls in flight), maxInFlight (nodes reprovisioned at once across the fleet).
 */
import { defineScenario, describeWaves, planWaves, rollout, type Params } from '../harness/index.ts';

const defaults = {
  sites: 10_000,
  nodesPerSite: 1,
  fiberShare: 0.4,
  dslShare: 0.3,
  lteShare: 0.2,
  satelliteShare: 0.1,
  canarySites: 1,
  firstPercent: 1,
  factor: 10,
  maxUnavailable: '1',
  maxFailureRate: 0.01,
  soakMs: 0,
  imageMB: 1,
  timeScale: 0.005,
  readyTimeoutMs: 4 * 3600_000,
  p95ReadyMs: 120_000,
  preprovision: true,
  apiConcurrency: 64,
  maxInFlight: 500,
} satisfies Params;

type P = typeof defaults;
const wavesOf = (p: P) => ({ canarySites: p.canarySites, firstPercent: p.firstPercent, factor: p.factor });
const linkMix = (p: P) => Object.fromEntries(Object.entries({ 'metro-fiber': p.fiberShare, dsl: p.dslShare, lte: p.lteShare, satellite: p.satelliteShare }).filter(([, v]) => v > 0));

export default defineScenario({
  name: 'rollout-fleet',
  description: 'edge-os-1.1 across the fleet: canary, then 1 % → 10 % → 100 %, rolling per site',
  params: defaults,
  seed: 1,
  timeoutMs: (p) => Math.max(180_000, p.sites * p.nodesPerSite * 150),
  validate: (p) => {
    const out: [string, string][] = [];
    for (const k of ['fiberShare', 'dslShare', 'lteShare', 'satelliteShare'] as const) if (!(p[k] >= 0)) out.push([`--param ${k}`, `expected a weight >= 0, got ${p[k]}`]);
    if (Object.keys(linkMix(p)).length === 0) out.push(['--param fiberShare', 'at least one link share must be > 0']);
    if (!(p.maxFailureRate >= 0 && p.maxFailureRate <= 1)) out.push(['--param maxFailureRate', `expected a share 0..1, got ${p.maxFailureRate}`]);
    if (!(p.imageMB > 0)) out.push(['--param imageMB', `expected a size > 0, got ${p.imageMB}`]);
    return out;
  },
  lab: (p) => ({ sites: p.sites, nodesPerSite: p.nodesPerSite, timeScale: p.timeScale, bmc: { ipmi: false }, link: { mix: linkMix(p) } }),
  plan: (p, lab, seed) => describeWaves(planWaves(lab, { waves: wavesOf(p), seed })),
  async run(ctx) {
    const { lab, target, expect, step, params: p, log } = ctx;
    await step('enroll', () => target.enroll(lab.nodes));
    const current = target.image('edge-os-1.0', p.imageMB * 1e6);
    const next = target.image('edge-os-1.1', p.imageMB * 1e6);
    if (p.preprovision) {
      await step('provision edge-os-1.0', async () => {
        // In chunks of maxInFlight, like the rollout: a 10,000-node PXE storm is another scenario (boot-storm).
        let ready = 0;
        for (let i = 0; i < lab.nodes.length; i += p.maxInFlight) {
          const chunk = lab.nodes.slice(i, i + p.maxInFlight);
          const since = ctx.events.now();
          await target.provision(chunk, current);
          ready += (await lab.waitReady(chunk, { since, timeoutMs: p.readyTimeoutMs })).ready.length;
        }
        log(`fleet on edge-os-1.0: ${ready} of ${lab.nodes.length} ready`);
      });
      expect.readyRatio('fleet on edge-os-1.0 before the rollout', 1);
    }
    const since = ctx.events.now();
    const r = await step('rollout edge-os-1.1', () =>
      rollout(ctx, {
        image: next,
        previous: current,
        waves: wavesOf(p),
        strategy: 'rolling',
        maxUnavailable: p.maxUnavailable,
        haltWhen: { failureRate: p.maxFailureRate },
        rollback: 'wave',
        soak: p.soakMs,
        readyTimeoutMs: p.readyTimeoutMs,
        apiConcurrency: p.apiConcurrency,
        maxInFlight: p.maxInFlight,
      }),
    );
    for (const w of r.waves) log(`wave ${w.name}: ${w.sites} sites, ${w.nodes} nodes, ok ${w.stats.ok}, failed ${w.stats.failed}, p95 ${w.stats.p95TtrMs === null ? '-' : Math.round(w.stats.p95TtrMs)} ms, ${Math.round(w.endMs - w.startMs)} ms wall`);
    const onNext = lab.nodes.filter((n) => n.diskImage() === next.name && n.power() === 'on').length;
    expect.check('rollout completed every wave', r.status === 'completed', r.waves.length, r.reason ?? 'no halt');
    expect.check('every node on edge-os-1.1', onNext === lab.nodes.length, onNext, `${lab.nodes.length} nodes`);
    const ttr = [...r.outcomes.values()].flatMap((o) => (o.ttrMs === null ? [] : [o.ttrMs])).sort((a, b) => a - b);
    const p95 = ttr.length ? ttr[Math.min(ttr.length - 1, Math.ceil(0.95 * ttr.length) - 1)]! : null;
    expect.check(`rollout p95 provision→ready <= ${p.p95ReadyMs} ms`, p95 !== null && p95 <= p.p95ReadyMs, p95 === null ? null : Math.round(p95), `<= ${p.p95ReadyMs}`);
    void since;
  },
});
