/**
 * power-loss-install — the power fails while nodes write the new image to disk.
 *
 *   npx fleetlab run scenarios/power-loss-install.ts
 *   npx fleetlab run scenarios/power-loss-install.ts --param lossPercent=20
 *
 * The fleet (sites × nodesPerSite) runs edge-os-1.0. A seeded lossPercent % of the nodes are
 * armed with a power-loss fault at the `image` phase: the moment such a node starts writing
 * edge-os-1.1 it loses power (its disk is left without a bootable image) and power returns
 * shortly after. The node must then recover by itself: the disk is blank, so firmware falls
 * through to PXE, the target (still deploying) serves the installer again, and the install
 * completes. The rollout (rolling, canary first) must not halt.
 *
 * Expects: power was cut on round(lossPercent % of nodes) nodes, the rollout completed, every
 * node (those hit included) ends powered on and ready on edge-os-1.1.
 *
 * Params: sites, nodesPerSite, lossPercent, waves (comma-separated), maxUnavailable,
 * maxFailureRate, retries, imageMB, timeScale, readyTimeoutMs (modelled, per attempt).
 */
import { defineScenario, describeWaves, planWaves, rollout, type Params, provisionFleet } from '../harness/index.ts';

const defaults = {
  sites: 20,
  nodesPerSite: 5,
  lossPercent: 5,
  waves: 'canary:1 site,25%,100%',
  maxUnavailable: '2',
  maxFailureRate: 0.05,
  retries: 1,
  imageMB: 4,
  timeScale: 0.01,
  readyTimeoutMs: 30 * 60_000,
} satisfies Params;


export default defineScenario({
  name: 'power-loss-install',
  description: 'power cut during image write on a seeded share of nodes: they recover and the rollout completes',
  params: defaults,
  seed: 1,
  validate: (p) => {
    const out: [string, string][] = [];
    if (!(p.lossPercent > 0 && p.lossPercent <= 100)) out.push(['--param lossPercent', `expected (0, 100], got ${p.lossPercent}`]);
    if (!(p.imageMB > 0)) out.push(['--param imageMB', `expected a size > 0, got ${p.imageMB}`]);
    return out;
  },
  lab: (p) => ({ sites: p.sites, nodesPerSite: p.nodesPerSite, timeScale: p.timeScale, bmc: { ipmi: false } }),
  plan: (p, lab, seed) => [...describeWaves(planWaves(lab, { waves: p.waves, seed })), `power-loss at phase image on ${p.lossPercent}% of nodes (seeded)`],
  async run(ctx) {
    const { lab, target, faults, expect, step, params: p, log, events } = ctx;
    await step('enroll', () => target.enroll(lab.nodes));
    const current = target.image('edge-os-1.0', p.imageMB * 1e6);
    const next = target.image('edge-os-1.1', p.imageMB * 1e6);
    await provisionFleet(ctx, current, { expectation: 'fleet on edge-os-1.0 before the rollout', readyTimeoutMs: p.readyTimeoutMs });

    const cut = new Set<string>();
    const off = events.on('node.power', (e) => {
      if (e.state === 'off' && e.cause === 'power-loss') cut.add(e.node);
    });
    await step('arm power loss at image write', () => faults.inject({ kind: 'power-loss', id: 'power-loss-image', selector: { percentNodes: p.lossPercent }, params: { phase: 'image' } }));
    const r = await step('rollout edge-os-1.1', () =>
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
    off();
    await faults.healAll();

    const want = Math.max(1, Math.round((p.lossPercent / 100) * lab.nodes.length));
    const onNext = lab.nodes.filter((n) => n.power() === 'on' && n.phase() === 'ready' && n.diskImage() === next.name);
    const hitOk = [...cut].filter((name) => onNext.some((n) => n.name === name)).length;
    log(`power cut during image write on ${cut.size} nodes (${[...cut].slice(0, 10).join(', ')}); ${hitOk} of them recovered onto ${next.name}`);
    expect.check(`power cut during image write on ${want} nodes`, cut.size === want, cut.size, `${want} nodes`);
    expect.check('rollout completed', r.status === 'completed', r.waves.length, r.reason ?? 'no halt');
    expect.check('nodes hit by the power loss recovered onto edge-os-1.1', hitOk === cut.size, hitOk, `${cut.size} nodes`);
    expect.check('every node ready on edge-os-1.1', onNext.length === lab.nodes.length, onNext.length, `${lab.nodes.length} nodes`);
  },
});
