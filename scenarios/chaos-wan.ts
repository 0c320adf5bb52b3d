/**
 * chaos-wan — a rollout while WAN links flap and sites get partitioned: it must fail safe.
 *
 *   npx fleetlab run scenarios/chaos-wan.ts
 *   npx fleetlab run scenarios/chaos-wan.ts --param flapPercent=30 --param partitionPercent=10
 *
 * The fleet (sites × nodesPerSite behind a seeded mix of metro-fiber / dsl / lte links) runs
 * edge-os-1.0. During the rollout of edge-os-1.1 (rolling, canary first, retries for failed
 * provisionings, rollback to 1.0 on halt and for every node that still fails):
 * - link-flap: flapPercent % of the sites lose their link for flapDownMs every flapPeriodMs;
 * - partition: partitionPercent % of the sites are cut both ways for partitionMs windows at
 *   seeded random gaps (mean partitionEveryMs).
 * All faults are healed after the rollout.
 *
 * Expects: every node ends powered on and ready on edge-os-1.1 or back on edge-os-1.0 — none
 * stranded without an image. (Whether the rollout completes or halts depends on the chaos; both
 * are safe outcomes, recorded as wave decisions.)
 *
 * Params: sites, nodesPerSite, flapPercent, flapPeriodMs, flapDownMs, partitionPercent,
 * partitionMs, partitionEveryMs (all ms modelled), waves (comma-separated), maxUnavailable,
 * maxFailureRate, retries, imageMB, timeScale, readyTimeoutMs (modelled, per attempt).
 */
import { defineScenario, describeWaves, planWaves, rollout, type Params, provisionFleet } from '../harness/index.ts';

const defaults = {
  sites: 40,
  nodesPerSite: 2,
  flapPercent: 20,
  flapPeriodMs: 120_000,
  flapDownMs: 15_000,
  partitionPercent: 10,
  partitionMs: 60_000,
  partitionEveryMs: 300_000,
  waves: 'canary:1 site,10%,50%,100%',
  maxUnavailable: '1',
  maxFailureRate: 0.25,
  retries: 2,
  imageMB: 1,
  timeScale: 0.01,
  readyTimeoutMs: 30 * 60_000,
} satisfies Params;


export default defineScenario({
  name: 'chaos-wan',
  description: 'rollout under flapping WAN links and partitions: every node ends on the new or the old image',
  params: defaults,
  seed: 1,
  validate: (p) => {
    const out: [string, string][] = [];
    for (const k of ['flapPercent', 'partitionPercent'] as const) if (!(p[k] >= 0 && p[k] <= 100)) out.push([`--param ${k}`, `expected 0..100, got ${p[k]}`]);
    if (!(p.flapDownMs > 0 && p.flapDownMs < p.flapPeriodMs)) out.push(['--param flapDownMs', `expected 0 < flapDownMs < flapPeriodMs (${p.flapPeriodMs}), got ${p.flapDownMs}`]);
    if (!(p.imageMB > 0)) out.push(['--param imageMB', `expected a size > 0, got ${p.imageMB}`]);
    return out;
  },
  lab: (p) => ({ sites: p.sites, nodesPerSite: p.nodesPerSite, timeScale: p.timeScale, bmc: { ipmi: false }, link: { mix: { 'metro-fiber': 0.4, dsl: 0.4, lte: 0.2 } } }),
  plan: (p, lab, seed) => [
    ...describeWaves(planWaves(lab, { waves: p.waves, seed })),
    `faults during the rollout: link-flap on ${p.flapPercent}% of sites (${p.flapDownMs} ms down every ${p.flapPeriodMs} ms), partition of ${p.partitionPercent}% of sites (${p.partitionMs} ms windows, mean gap ${p.partitionEveryMs} ms)`,
  ],
  async run(ctx) {
    const { lab, target, faults, expect, step, params: p, log } = ctx;
    await step('enroll', () => target.enroll(lab.nodes));
    const current = target.image('edge-os-1.0', p.imageMB * 1e6);
    const next = target.image('edge-os-1.1', p.imageMB * 1e6);
    await provisionFleet(ctx, current, { expectation: 'fleet on edge-os-1.0 before the chaos', readyTimeoutMs: p.readyTimeoutMs });

    await step('start WAN chaos', async () => {
      if (p.flapPercent > 0) await faults.inject({ kind: 'link-flap', id: 'wan-flap', selector: { percentSites: p.flapPercent }, params: { period: p.flapPeriodMs, down: p.flapDownMs } });
      if (p.partitionPercent > 0)
        await faults.inject({ kind: 'partition', id: 'wan-partition', selector: { percentSites: p.partitionPercent }, random: { interval: p.partitionEveryMs }, duration: p.partitionMs });
    });
    const r = await step('rollout edge-os-1.1 under chaos', () =>
      rollout(ctx, {
        image: next,
        previous: current,
        waves: p.waves,
        maxUnavailable: p.maxUnavailable,
        haltWhen: { failureRate: p.maxFailureRate },
        rollback: 'wave',
        retries: p.retries,
        readyTimeoutMs: p.readyTimeoutMs,
      }),
    );
    await step('heal faults', () => faults.healAll());

    const onNext = lab.nodes.filter((n) => n.diskImage() === next.name).length;
    const onPrev = lab.nodes.filter((n) => n.diskImage() === current.name).length;
    const stranded = lab.nodes.filter((n) => !(n.power() === 'on' && n.phase() === 'ready' && (n.diskImage() === next.name || n.diskImage() === current.name)));
    for (const n of stranded.slice(0, 10)) log(`stranded: ${n.name} power ${n.power()} phase ${n.phase()} disk ${n.diskImage() ?? 'blank'}`);
    log(`rollout ${r.status}${r.reason ? ` (${r.reason})` : ''}: ${onNext} nodes on ${next.name}, ${onPrev} on ${current.name}, ${stranded.length} stranded`);
    expect.check('no node stranded without an image', stranded.length === 0, stranded.length, '0 nodes');
    expect.check('every node on edge-os-1.1 or edge-os-1.0', onNext + onPrev === lab.nodes.length, onNext + onPrev, `${lab.nodes.length} nodes`);
  },
});
