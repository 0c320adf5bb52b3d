/**
 * Real Ironic (Debian python3-ironic, its generic `redfish` hardware type) provisions through
 * every BMC persona: one fleetlab run, one Ironic, one site per persona (generic, sushy-tools,
 * idrac, ilo, supermicro) whose hardware profile selects it with `bmc: {persona}`. Ironic
 * enrols (verify = power state + boot device reads), sets the PXE boot override (PATCH with the
 * System's ETag: the ilo persona refuses a PATCH without If-Match), powers on/reboots with the
 * ResetTypes each persona offers, and every node must reach the disk boot and `active`.
 * The target uses Ironic's `ipxe` boot interface (harness/targets/ironic/ironic-enroll.ts), so
 * virtual media is not on this path: vendor-personas.test.ts drives each persona's vmedia with sushy.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fleetlab, API } from '../../../../helpers/cli.ts';
import { CHAIN, inOrder, ironicDbNodes, milestones, readEvents } from '../../../../harness/targets/ironic/ironic-e2e-kit.ts';

const PERSONAS = ['generic', 'sushy-tools', 'idrac', 'ilo', 'supermicro'];

t.test('Ironic (redfish driver) provisions one node behind each BMC persona', async (t) => {
  const dir = t.testdir();
  const scenario = join(dir, 'ironic-personas.ts');
  writeFileSync(
    scenario,
    `import { defineScenario } from ${JSON.stringify(API)};
const PERSONAS = ${JSON.stringify(PERSONAS)};
export default defineScenario({
  name: 'ironic-personas',
  params: {},
  targetOptions: () => ({ bmc: 'redfish' }),
  // Own loopback ranges (127.28.x sites, 127.128.x BMCs): no clash with other runs on this machine.
  lab: () => ({
    profiles: PERSONAS.map((p) => ({ name: 'bmc-' + p, base: 'generic-uefi', bmc: { persona: p } })),
    sites: PERSONAS.map((p) => ({ name: p, nodes: 1, profile: 'bmc-' + p })),
    timeScale: 0.01,
    addressing: { siteBase: 28, bmcBase: 128 },
  }),
  async run({ lab, target, expect, step }) {
    // Each node's BMC answers with its persona's shape (the OEM section of its System).
    const OEM = { generic: [], 'sushy-tools': [], idrac: ['Dell'], ilo: ['Hpe'], supermicro: ['Supermicro'] };
    for (const n of lab.nodes) {
      const auth = 'Basic ' + Buffer.from(n.bmc.username + ':' + n.bmc.password).toString('base64');
      const sys = await (await fetch(n.bmc.redfish.url + '/redfish/v1/Systems/' + n.bmc.redfish.systemId, { headers: { Authorization: auth } })).json();
      const oem = Object.keys(sys.Oem ?? {}).join(',');
      expect.check(n.site + ' persona OEM section', oem === OEM[n.site].join(','), null, 'Oem: ' + (OEM[n.site].join(',') || 'none') + ', got ' + (oem || 'none'));
    }
    await step('enroll', () => target.enroll(lab.nodes));
    await step('provision', () => target.provision(lab.nodes, target.image('edge-os-1.0', 1e6)));
    await step('wait for ready', () => lab.waitReady(lab.nodes, { since: 0 }));
    expect.readyRatio('all nodes ready', 1);
    for (let i = 0; i < 240; i++) {
      const states = await Promise.all(lab.nodes.map((n) => target.state(n)));
      if (states.every((s) => s.native === 'active')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
  },
});
`,
  );
  const out = join(dir, 'run');
  const t0 = Date.now();
  const r = await fleetlab(['run', scenario, '--target', 'ironic', '--out', out, '--json'], { timeoutMs: 300_000 });
  t.comment(`wall time ${Date.now() - t0} ms`);
  if (r.code !== 0) t.comment(r.stderr.slice(-4000) + r.stdout.slice(-2000));
  t.equal(r.code, 0, 'exit 0');
  const events = readEvents(out);
  const nodes = events.filter((e) => e.kind === 'node.info').map((e) => e.node!);
  t.equal(nodes.length, PERSONAS.length, 'one node per persona');
  for (const n of nodes) t.ok(inOrder(milestones(events, n), CHAIN), `${n}: ${CHAIN.join(' → ')}`);
  t.same(
    ironicDbNodes(out).map((n) => [n.name, n.provision_state, n.last_error]),
    nodes.sort().map((n) => [n, 'active', null]),
    "Ironic's own records: every node active, no error",
  );
  const checks = (JSON.parse(r.stdout) as { thresholds: { name: string; ok: boolean }[] }).thresholds;
  for (const p of PERSONAS) t.ok(checks.find((c) => c.name === `${p} persona OEM section`)?.ok, `${p}: the node's BMC has the persona's shape`);
  const reqs = events.filter((e) => e.kind === 'bmc.request') as unknown as { bmc: string; op: string; status: number }[];
  const preconditionRequired = reqs.filter((e) => e.op === 'PATCH System' && e.status === 428);
  t.same(preconditionRequired, [], 'Ironic (sushy) always sent If-Match, so the ilo persona never answered 428');
  t.ok(reqs.some((e) => e.op === 'PATCH System' && e.status === 200), 'boot override set through Redfish');
});
