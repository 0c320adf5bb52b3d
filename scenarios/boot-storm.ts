/**
 * boot-storm — power comes back after a site outage and every node boots at once.
 *
 *   npx fleetlab run scenarios/boot-storm.ts                                   # 2 of 3 sites × 50 nodes, PXE storm
 *   npx fleetlab run scenarios/boot-storm.ts --param mode=disk                 # nodes boot their disks
 *   npx fleetlab run scenarios/boot-storm.ts --param stormSites=1 --param nodesPerSite=200
 *
 * The fleet (sites × nodesPerSite) is provisioned with edge-os-1.0. Then an outage hits
 * `stormSites` sites for `outageMs` (modelled). When power returns, all their nodes boot at once:
 * the machines lose power (not through their BMCs), then:
 * - mode=pxe (default): the provisioning server reimages every node of those sites at once when
 *   power returns (target.provision on powered-off nodes = PXE-once + power on through the BMC),
 *   so DHCP, TFTP and HTTP of the target and the sites' links take the whole storm together;
 * - mode=disk: the nodes are powered on at once and boot from disk — the provisioning server
 *   sees nothing.
 * Sites outside the outage must stay up throughout.
 *
 * Expects: every storm node ready again on edge-os-1.0 within readyTimeoutMs, p95 time-to-ready of
 * the storm under p95ReadyMs (run-time ms), every other node still ready and powered on.
 *
 * Params: sites, nodesPerSite, stormSites, mode (pxe|disk), outageMs (modelled), imageMB, timeScale,
 * readyTimeoutMs (modelled), p95ReadyMs.
 */
import { defineScenario, type Params, provisionFleet } from '../harness/index.ts';

const defaults = {
  sites: 3,
  nodesPerSite: 50,
  stormSites: 2,
  mode: 'pxe',
  outageMs: 10 * 60_000,
  imageMB: 1,
  timeScale: 0.01,
  readyTimeoutMs: 120 * 60_000,
  p95ReadyMs: 60_000,
} satisfies Params;

export default defineScenario({
  name: 'boot-storm',
  description: 'an outage takes sites down; when power returns all their nodes boot at once',
  params: defaults,
  seed: 1,
  validate: (p) => {
    const out: [string, string][] = [];
    if (p.mode !== 'pxe' && p.mode !== 'disk') out.push(['--param mode', `expected pxe or disk, got '${p.mode}'`]);
    if (!(Number.isInteger(p.stormSites) && p.stormSites >= 1 && p.stormSites <= p.sites)) out.push(['--param stormSites', `expected an integer 1..sites (${p.sites}), got ${p.stormSites}`]);
    if (!(p.outageMs >= 0)) out.push(['--param outageMs', `expected modelled ms >= 0, got ${p.outageMs}`]);
    if (!(p.imageMB > 0)) out.push(['--param imageMB', `expected a size > 0, got ${p.imageMB}`]);
    return out;
  },
  lab: (p) => ({ sites: p.sites, nodesPerSite: p.nodesPerSite, timeScale: p.timeScale, bmc: { ipmi: false } }),
  plan: (p, lab) => [`outage: ${lab.sites.slice(0, p.stormSites).map((s) => s.name).join(', ')} (${lab.sites.slice(0, p.stormSites).reduce((a, s) => a + s.nodes.length, 0)} nodes) for ${p.outageMs} ms modelled, then a ${p.mode} boot storm`],
  async run(ctx) {
    const { lab, target, expect, step, params: p, log, events } = ctx;
    await step('enroll', () => target.enroll(lab.nodes));
    const image = target.image('edge-os-1.0', p.imageMB * 1e6);
    await provisionFleet(ctx, image, { expectation: 'fleet ready before the outage', readyTimeoutMs: p.readyTimeoutMs });

    const hit = lab.sites.slice(0, p.stormSites).flatMap((s) => s.nodes);
    const spared = lab.sites.slice(p.stormSites).flatMap((s) => s.nodes);
    await step(`outage: ${p.stormSites} sites, ${hit.length} nodes off`, async () => {
      await lab.power(hit, 'off');
      await ctx.sleep(p.outageMs);
    });
    const since = events.now();
    const r = await step(`power back: ${p.mode} boot storm of ${hit.length} nodes`, async () => {
      if (p.mode === 'pxe') await target.provision(hit, image);
      else await lab.power(hit, 'on');
      return lab.waitReady(hit, { since, timeoutMs: p.readyTimeoutMs });
    });
    for (const f of r.failed.slice(0, 10)) log(`node ${f.node.name} failed: ${f.code}: ${f.message}`);
    expect.readyRatio('every storm node ready again', 1, hit);
    expect.p95TimeToReadyMs(`storm p95 time-to-ready <= ${p.p95ReadyMs} ms`, p.p95ReadyMs, hit);
    const wrong = hit.filter((n) => n.diskImage() !== image.name).length;
    expect.check('storm nodes run edge-os-1.0', wrong === 0, wrong, '0 nodes');
    const down = spared.filter((n) => n.power() !== 'on' || n.phase() !== 'ready').length;
    expect.check('sites outside the outage stayed up', down === 0, down, '0 nodes');
  },
});
