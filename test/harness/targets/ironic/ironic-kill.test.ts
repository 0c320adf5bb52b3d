/**
 * A `target-kill` fault kills a fleetlab-started Ironic while nodes are being deployed: the run
 * must report the affected nodes failed (Ironic's last_error or the kill) and exit 1, not hang.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fleetlab, API } from '../../../helpers/cli.ts';
import { readEvents } from './ironic-e2e-kit.ts';

t.test('target-kill mid-deploy: nodes failed, exit 1, no hang', async (t) => {
  const dir = t.testdir();
  const scenario = join(dir, 'ironic-kill.ts');
  writeFileSync(
    scenario,
    `import { defineScenario } from ${JSON.stringify(API)};
export default defineScenario({
  name: 'ironic-kill',
  params: { sites: 1, nodesPerSite: 2 },
  // Own loopback ranges (127.26.x sites, 127.126.x BMCs): no clash with other runs on this machine.
  lab: (p) => ({ sites: p.sites, nodesPerSite: p.nodesPerSite, timeScale: 0.01, addressing: { siteBase: 26, bmcBase: 126 } }),
  async run({ lab, target, faults, expect, step }) {
    await step('enroll', () => target.enroll(lab.nodes));
    // Kill Ironic as soon as the first node starts writing its image.
    await faults.inject({ kind: 'target-kill', when: { phase: 'image' } });
    await step('provision', () => target.provision(lab.nodes, target.image('edge-os-1.0', 1e6)));
    await step('wait for ready', () => lab.waitReady(lab.nodes, { since: 0 }));
    expect.readyRatio('all nodes ready', 1);
  },
});
`,
  );
  const out = join(dir, 'run');
  const t0 = Date.now();
  const r = await fleetlab(['run', scenario, '--target', 'ironic', '--out', out], { timeoutMs: 200_000 });
  t.comment(`wall time ${Date.now() - t0} ms`);
  t.equal(r.code, 1, 'exit 1');
  const events = readEvents(out);
  t.ok(events.some((e) => e.kind === 'fault.start' && (e as { fault?: string }).fault === 'target-kill'), 'the fault fired');
  const failed = events.filter((e) => e.kind === 'node.failed');
  t.ok(failed.length >= 1, 'nodes reported failed', { failed });
  for (const f of failed) t.match(f.message, /ironic/, `${f.node}: failure names Ironic`);
  const end = events.at(-1)!;
  t.equal(end.kind, 'run.end');
  t.equal((end as { status?: string }).status, 'failed');
  const ready = events.filter((e) => e.kind === 'node.ready').map((e) => e.node);
  t.ok(ready.length < 2, 'not every node made it', { ready });
});
