/**
 * bmc-unreliable — a rollout where some BMCs hang, some are slow and some answer with errors.
 *
 *   npx fleetlab run scenarios/bmc-unreliable.ts
 *   npx fleetlab run scenarios/bmc-unreliable.ts --param hangPercent=10 --param errorRate=0.5
 *
 * The fleet (sites × nodesPerSite) runs edge-os-1.0. Before edge-os-1.1 rolls out, seeded
 * shares of the nodes' Redfish BMCs go bad for the rest of the rollout:
 * - hangPercent %: the BMC accepts requests and never answers (the rollout abandons a provision
 *   call after requestTimeoutMs, modelled, and retries);
 * - slowPercent %: every answer comes slowDelayMs late;
 * - errorPercent %: errorRate of the requests get HTTP 500.
 * A node whose BMC fails the deploy keeps running its old image (the OS does not need the BMC).
 *
 * Expects: the rollout completes (failures stay within maxFailureRate), no node is stranded
 * (every node powered on and ready on 1.1 or 1.0), every node with a hung BMC is reported failed
 * and still runs edge-os-1.0, every node whose BMC only hung nothing else (healthy or slow) is
 * on edge-os-1.1.
 *
 * Params: sites, nodesPerSite, hangPercent, slowPercent, slowDelayMs, errorPercent, errorRate,
 * requestTimeoutMs (modelled), retries, waves (comma-separated), maxUnavailable, maxFailureRate,
 * imageMB, timeScale, readyTimeoutMs (modelled, per attempt).
 */
import { defineScenario, describeWaves, planWaves, rollout, type Params, provisionFleet } from '../harness/index.ts';

const defaults = {
  sites: 20,
  nodesPerSite: 3,
  hangPercent: 3,
  slowPercent: 10,
  slowDelayMs: 500,
  errorPercent: 10,
  errorRate: 0.3,
  requestTimeoutMs: 5 * 60_000,
  retries: 3,
  waves: 'canary:1 site,25%,100%',
  maxUnavailable: '1',
  maxFailureRate: 0.15,
  imageMB: 1,
  timeScale: 0.01,
  readyTimeoutMs: 30 * 60_000,
} satisfies Params;


export default defineScenario({
  name: 'bmc-unreliable',
  description: 'hung, slow and erroring BMCs during a rollout: it completes, affected nodes keep their old image',
  params: defaults,
  seed: 1,
  validate: (p) => {
    const out: [string, string][] = [];
    for (const k of ['hangPercent', 'slowPercent', 'errorPercent'] as const) if (!(p[k] >= 0 && p[k] <= 100)) out.push([`--param ${k}`, `expected 0..100, got ${p[k]}`]);
    if (!(p.errorRate > 0 && p.errorRate <= 1)) out.push(['--param errorRate', `expected (0, 1], got ${p.errorRate}`]);
    if (!(p.requestTimeoutMs > 0)) out.push(['--param requestTimeoutMs', `expected modelled ms > 0, got ${p.requestTimeoutMs}`]);
    return out;
  },
  lab: (p) => ({ sites: p.sites, nodesPerSite: p.nodesPerSite, timeScale: p.timeScale, bmc: { ipmi: false } }),
  plan: (p, lab, seed) => [
    ...describeWaves(planWaves(lab, { waves: p.waves, seed })),
    `BMC faults: hang on ${p.hangPercent}%, slow (+${p.slowDelayMs} ms) on ${p.slowPercent}%, HTTP 500 at rate ${p.errorRate} on ${p.errorPercent}% of nodes`,
  ],
  async run(ctx) {
    const { lab, target, faults, expect, step, params: p, log, events } = ctx;
    await step('enroll', () => target.enroll(lab.nodes));
    const current = target.image('edge-os-1.0', p.imageMB * 1e6);
    const next = target.image('edge-os-1.1', p.imageMB * 1e6);
    await provisionFleet(ctx, current, { expectation: 'fleet on edge-os-1.0 before the rollout', readyTimeoutMs: p.readyTimeoutMs });

    // Which BMCs each fault hit (fault.start names them), mapped back to nodes.
    const byBmc = new Map(lab.nodes.map((n) => [n.bmc.redfish?.systemId ?? n.name, n.name]));
    const hit = new Map<string, Set<string>>();
    const off = events.on('fault.start', (e) => hit.set(e.fault, new Set((e.targets ?? []).map((b) => byBmc.get(b) ?? b))));
    await step('break BMCs', async () => {
      if (p.hangPercent > 0) await faults.inject({ kind: 'bmc-hang', id: 'bmc-hang', selector: { percentNodes: p.hangPercent } });
      if (p.slowPercent > 0) await faults.inject({ kind: 'bmc-slow', id: 'bmc-slow', selector: { percentNodes: p.slowPercent }, params: { delay: p.slowDelayMs } });
      if (p.errorPercent > 0) await faults.inject({ kind: 'bmc-errors', id: 'bmc-errors', selector: { percentNodes: p.errorPercent }, params: { rate: p.errorRate, status: 500 } });
    });
    off();
    const hung = hit.get('bmc-hang') ?? new Set<string>();
    const erroring = hit.get('bmc-errors') ?? new Set<string>();
    log(`BMCs hung: ${[...hung].join(', ') || 'none'}; slow: ${hit.get('bmc-slow')?.size ?? 0}; erroring: ${erroring.size}`);

    const r = await step('rollout edge-os-1.1', () =>
      rollout(ctx, {
        image: next,
        previous: current,
        waves: p.waves,
        maxUnavailable: p.maxUnavailable,
        haltWhen: { failureRate: p.maxFailureRate },
        rollback: 'wave',
        retries: p.retries,
        requestTimeoutMs: p.requestTimeoutMs,
        readyTimeoutMs: p.readyTimeoutMs,
      }),
    );
    await step('heal faults', () => faults.healAll());

    const up = (n: (typeof lab.nodes)[number]) => n.power() === 'on' && n.phase() === 'ready';
    const stranded = lab.nodes.filter((n) => !(up(n) && (n.diskImage() === next.name || n.diskImage() === current.name)));
    const hungWrong = lab.nodes.filter((n) => hung.has(n.name) && !(up(n) && n.diskImage() === current.name && r.outcomes.get(n.name)?.ok === false));
    const fine = lab.nodes.filter((n) => !hung.has(n.name) && !erroring.has(n.name));
    const fineOnNext = fine.filter((n) => up(n) && n.diskImage() === next.name).length;
    log(`rollout ${r.status}${r.reason ? ` (${r.reason})` : ''}: ${lab.nodes.filter((n) => n.diskImage() === next.name).length} nodes on ${next.name}; failed: ${[...r.outcomes.values()].filter((o) => !o.ok).map((o) => `${o.node} ${o.code}`).join(', ') || 'none'}`);
    expect.check('rollout completed', r.status === 'completed', r.waves.length, r.reason ?? 'no halt');
    expect.check('no node stranded without an image', stranded.length === 0, stranded.length, '0 nodes');
    expect.check('nodes with a hung BMC reported failed and still on edge-os-1.0', hungWrong.length === 0, hungWrong.length, '0 nodes');
    expect.check('nodes with a healthy or slow BMC on edge-os-1.1', fineOnNext === fine.length, fineOnNext, `${fine.length} nodes`);
  },
});
