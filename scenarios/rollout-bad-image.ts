/**
 * rollout-bad-image — a new image that is broken on part of the hardware must be stopped early.
 *
 *   npx fleetlab run scenarios/rollout-bad-image.ts                       # halts and rolls back: exit 0
 *   npx fleetlab run scenarios/rollout-bad-image.ts --param badShare=0    # good image: rolls out to 100 %
 *   npx fleetlab run scenarios/rollout-bad-image.ts --dry-run             # shows the waves
 *
 * The fleet (sites × nodesPerSite, hardware drawn evenly from `profiles` profiles hw-a, hw-b, …)
 * is first provisioned with edge-os-1.0. Then edge-os-2.0 rolls out in `waves` (rolling,
 * maxUnavailable per site). The new image fails its post-boot health probe on the first
 * round(badShare × profiles) hardware profiles (hw-a, hw-b, hw-c at 30 % of 10): a modelled
 * defect (see harness/rollout/rollout-image.ts) — nodes really download, write and boot it.
 *
 * Expects, with badShare > 0: the rollout halts in the canary or the first wave (failure rate
 * above maxFailureRate), the halted wave is rolled back to edge-os-1.0, and every node ends on a
 * healthy image (1.0 or 2.0 on good hardware). With badShare = 0: all waves done, every node on 2.0.
 *
 * Params: sites, nodesPerSite, profiles (hardware profile count), badShare (0..1), waves
 * (comma-separated wave specs), maxUnavailable (per site: count or 'N%'), maxFailureRate (0..1),
 * soakMs (modelled), imageMB, timeScale, readyTimeoutMs (modelled, per attempt).
 */
import { defineScenario, describeWaves, planWaves, rollout, withDefects, type Params, provisionFleet } from '../harness/index.ts';

const profileNames = (n: number) => Array.from({ length: n }, (_, i) => `hw-${String.fromCharCode(97 + (i % 26))}${i >= 26 ? Math.floor(i / 26) : ''}`);
const badProfiles = (p: { profiles: number; badShare: number }) => profileNames(p.profiles).slice(0, Math.round(p.badShare * p.profiles));

const defaults = {
  sites: 20,
  nodesPerSite: 3,
  profiles: 10,
  badShare: 0.3,
  waves: 'canary:1 site,25%,100%',
  maxUnavailable: '1',
  maxFailureRate: 0.05,
  soakMs: 60_000,
  imageMB: 1,
  timeScale: 0.01,
  readyTimeoutMs: 20 * 60_000,
} satisfies Params;

export default defineScenario({
  name: 'rollout-bad-image',
  description: 'edge-os-2.0 fails its health probe on a share of hardware profiles: the rollout must halt early and roll back',
  params: defaults,
  seed: 1,
  validate: (p) => {
    const out: [string, string][] = [];
    if (!(Number.isInteger(p.profiles) && p.profiles >= 1 && p.profiles <= 100)) out.push(['--param profiles', `expected an integer 1..100, got ${p.profiles}`]);
    if (!(p.badShare >= 0 && p.badShare <= 1)) out.push(['--param badShare', `expected a share 0..1, got ${p.badShare}`]);
    if (!(p.maxFailureRate >= 0 && p.maxFailureRate <= 1)) out.push(['--param maxFailureRate', `expected a share 0..1, got ${p.maxFailureRate}`]);
    if (!(p.imageMB > 0)) out.push(['--param imageMB', `expected a size > 0, got ${p.imageMB}`]);
    return out;
  },
  lab: (p) => ({
    sites: p.sites,
    nodesPerSite: p.nodesPerSite,
    timeScale: p.timeScale,
    bmc: { ipmi: false },
    profiles: profileNames(p.profiles).map((name, i) => ({ name, base: i % 2 ? 'legacy-bios' : 'generic-uefi', model: `Edge-${name}` })),
    profile: Object.fromEntries(profileNames(p.profiles).map((n) => [n, 1])),
  }),
  plan: (p, lab, seed) => [...describeWaves(planWaves(lab, { waves: p.waves, seed })), `edge-os-2.0 is bad on: ${badProfiles(p).join(', ') || 'nothing'}`],
  async run(ctx) {
    const { lab, target, expect, step, params: p, log } = ctx;
    await step('enroll', () => target.enroll(lab.nodes));
    const current = target.image('edge-os-1.0', p.imageMB * 1e6);
    const bad = badProfiles(p);
    const next = withDefects(target.image('edge-os-2.0', p.imageMB * 1e6), { badOn: bad });
    log(`edge-os-2.0 is bad on ${bad.length}/${p.profiles} hardware profiles: ${bad.join(', ') || 'none'}`);

    await provisionFleet(ctx, current, { expectation: 'fleet on edge-os-1.0 before the rollout', readyTimeoutMs: p.readyTimeoutMs });

    const r = await step('rollout edge-os-2.0', () =>
      rollout(ctx, {
        image: next,
        previous: current,
        waves: p.waves,
        strategy: 'rolling',
        maxUnavailable: p.maxUnavailable,
        haltWhen: { failureRate: p.maxFailureRate },
        rollback: 'wave',
        soak: p.soakMs,
        readyTimeoutMs: p.readyTimeoutMs,
      }),
    );

    const onImage = (name: string) => lab.nodes.filter((n) => n.diskImage() === name && n.power() === 'on');
    const unhealthy = lab.nodes.filter((n) => !(n.power() === 'on' && (n.diskImage() === current.name || (n.diskImage() === next.name && !bad.includes(n.profile)))));
    log(`rollout ${r.status}${r.haltedWave ? ` in wave ${r.haltedWave}: ${r.reason}` : ''}; ${onImage(next.name).length} nodes on ${next.name}, ${onImage(current.name).length} on ${current.name}`);
    expect.check('every node ends on a healthy image', unhealthy.length === 0, unhealthy.length, '0 nodes');
    if (bad.length > 0) {
      const i = r.waves.findIndex((w) => w.decision === 'halted');
      expect.check('rollout halted in the canary or first wave', r.status === 'halted' && i >= 0 && i <= 1, i, 'wave index <= 1');
      const halted = r.waves[i];
      expect.check('halted wave rolled back to edge-os-1.0', !!halted?.rollback && halted.rollback.failed === 0, halted?.rollback?.ok ?? null, 'all rolled-back nodes healthy');
      const wrong = onImage(next.name).filter((n) => bad.includes(n.profile)).length;
      expect.check('no node on bad hardware left on edge-os-2.0', wrong === 0, wrong, '0 nodes');
    } else {
      expect.check('rollout completed every wave', r.status === 'completed', r.waves.length, 'no halt');
      expect.check('every node on edge-os-2.0', onImage(next.name).length === lab.nodes.length, onImage(next.name).length, `${lab.nodes.length} nodes`);
    }
  },
});
