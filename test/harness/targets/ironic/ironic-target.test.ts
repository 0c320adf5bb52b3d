/**
 * End to end against a real, fleetlab-started Ironic (Debian python3-ironic): the shipped
 * provision scenario with Redfish BMCs (provision + deprovision with IPMI: ironic-cycle-ipmi.test.ts).
 * Each node's event log must show the whole chain (PXE → iPXE → Ironic's boot.ipxe → deploy
 * kernel → IPA lookup → heartbeat → image → power off → disk boot), and Ironic's own database
 * must agree.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fleetlab } from '../../../helpers/cli.ts';
import { CHAIN, inOrder, ironicDbNodes, milestones, readEvents } from './ironic-e2e-kit.ts';

t.test('provision 2 sites × 2 nodes through Ironic with Redfish BMCs', async (t) => {
  const out = t.testdir();
  const t0 = Date.now();
  const r = await fleetlab(['run', 'scenarios/provision.ts', '--target', 'ironic', '--param', 'sites=2', '--param', 'nodesPerSite=2', '--out', out], { timeoutMs: 240_000 });
  t.comment(`wall time ${Date.now() - t0} ms`);
  if (r.code !== 0) t.comment(r.stderr.slice(-4000));
  t.equal(r.code, 0, 'exit 0');
  const events = readEvents(out);
  const nodes = events.filter((e) => e.kind === 'node.info').map((e) => e.node!);
  t.equal(nodes.length, 4);
  for (const n of nodes) {
    const seq = milestones(events, n);
    t.ok(inOrder(seq, CHAIN), `${n}: ${CHAIN.join(' → ')}`, { seq });
    const natives = events.filter((e) => e.kind === 'target.state' && e.node === n).map((e) => e.native);
    // States are polled: short ones (enroll, manageable, deploying) may fall between two polls.
    t.ok(inOrder(natives as string[], ['available', 'wait call-back', 'active']), `${n}: Ironic states recorded with native names`, { natives });
  }
  const db = ironicDbNodes(out);
  t.same(
    db.map((n) => [n.name, n.provision_state]),
    nodes.sort().map((n) => [n, 'active']),
    "Ironic's own records: provision_state=active",
  );
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { target: { version: Record<string, string> | null } };
  t.match(run.target.version, { ironicApi: /^1\.\d+$/, ironicApiMin: /^1\.\d+$/ }, "run.json records the API versions Ironic's root document names");
});
