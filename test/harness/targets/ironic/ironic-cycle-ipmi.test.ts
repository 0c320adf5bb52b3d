/**
 * End to end against a real, fleetlab-started Ironic (Debian python3-ironic): provision then
 * deprovision with IPMI BMCs (the Redfish run is ironic-target.test.ts; one file each keeps
 * every file well inside tap's per-file timeout on a loaded 2-core machine).
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fleetlab, API } from '../../../helpers/cli.ts';
import { CHAIN, inOrder, ironicDbNodes, milestones, readEvents } from './ironic-e2e-kit.ts';

t.test('provision then deprovision through Ironic with IPMI BMCs', async (t) => {
  const dir = t.testdir();
  const scenario = join(dir, 'ironic-cycle.ts');
  writeFileSync(
    scenario,
    `import { defineScenario } from ${JSON.stringify(API)};
export default defineScenario({
  name: 'ironic-cycle',
  params: { sites: 2, nodesPerSite: 2, bmc: 'ipmi' },
  targetOptions: (p) => ({ bmc: String(p.bmc) }),
  // Own loopback ranges (127.24.x sites, 127.124.x BMCs): no clash with other runs on this machine.
  lab: (p) => ({ sites: p.sites, nodesPerSite: p.nodesPerSite, timeScale: 0.01, addressing: { siteBase: 24, bmcBase: 124 } }),
  async run({ lab, target, expect, step, sleep }) {
    await step('enroll', () => target.enroll(lab.nodes));
    await step('provision', () => target.provision(lab.nodes, target.image('edge-os-1.0', 1e6)));
    await step('wait for ready', () => lab.waitReady(lab.nodes, { since: 0 }));
    expect.readyRatio('all nodes ready', 1);
    // Ironic marks a node active just after powering it on to its disk.
    const until = async (want) => {
      for (let i = 0; i < 240; i++) {
        const states = await Promise.all(lab.nodes.map((n) => target.state(n)));
        if (states.every((s) => s.native === want)) return;
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    await step('wait for active', () => until('active'));
    for (const n of lab.nodes) {
      const s = await target.state(n);
      expect.check(n.name + ' active in Ironic', s.native === 'active', null, 'active');
    }
    await step('deprovision', () => target.deprovision(lab.nodes));
    await step('wait for available', () => until('available'));
    for (const n of lab.nodes) {
      const s = await target.state(n);
      expect.check(n.name + ' available again', s.native === 'available', null, 'available');
      expect.check(n.name + ' powered off by Ironic', n.power() === 'off', null, 'off');
    }
  },
});
`,
  );
  const out = join(dir, 'run');
  const t0 = Date.now();
  const r = await fleetlab(['run', scenario, '--target', 'ironic', '--out', out], { timeoutMs: 240_000 });
  t.comment(`wall time ${Date.now() - t0} ms`);
  if (r.code !== 0) t.comment(r.stderr.slice(-4000) + r.stdout.slice(-2000));
  t.equal(r.code, 0, 'exit 0');
  const events = readEvents(out);
  const nodes = events.filter((e) => e.kind === 'node.info').map((e) => e.node!);
  for (const n of nodes) t.ok(inOrder(milestones(events, n), CHAIN), `${n}: full chain with IPMI`, { seq: milestones(events, n) });
  t.ok(events.some((e) => e.kind === 'bmc.request' && (e as { proto?: string }).proto === 'ipmi'), 'Ironic drove the IPMI BMCs');
  // The polled target.state stream can miss short states between polls; what Ironic's API said
  // at each step is recorded as thresholds (expect.result events).
  const checks = new Map(events.filter((e) => e.kind === 'expect.result').map((e) => [(e as { name?: string }).name!, (e as { ok?: boolean }).ok]));
  for (const n of nodes) {
    t.equal(checks.get(`${n} active in Ironic`), true, `${n}: active in Ironic after the deploy`);
    t.equal(checks.get(`${n} available again`), true, `${n}: available after the deprovision`);
    t.equal(checks.get(`${n} powered off by Ironic`), true, `${n}: powered off`);
  }
  t.same(
    ironicDbNodes(out).map((n) => n.provision_state),
    nodes.map(() => 'available'),
    "Ironic's own records: available after deprovision",
  );
});
