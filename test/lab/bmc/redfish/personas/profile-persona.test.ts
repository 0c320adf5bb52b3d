/**
 * A hardware profile's `bmc.persona` naming no persona stops the run before anything starts:
 * exit 2, FLEETLAB_ERR_BMC_PERSONA_UNKNOWN, the profile's path and the known names in the message.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fleetlab, API } from '../../../../helpers/cli.ts';

t.test('unknown persona in a hardware profile: exit 2 naming the profile and the known personas', async (t) => {
  const dir = t.testdir();
  const scenario = join(dir, 'bad-persona.ts');
  writeFileSync(
    scenario,
    `import { defineScenario } from ${JSON.stringify(API)};
export default defineScenario({
  name: 'bad-persona',
  params: {},
  lab: () => ({ sites: 1, nodesPerSite: 1, profiles: [{ name: 'r650', bmc: { persona: 'idrac-9000' } }], profile: 'r650', addressing: { siteBase: 29, bmcBase: 129 } }),
  async run({ lab }) { void lab; },
});
`,
  );
  const r = await fleetlab(['run', scenario, '--out', join(dir, 'run')], { timeoutMs: 120_000 });
  t.equal(r.code, 2, 'exit 2');
  t.match(r.stderr, /profiles\.r650\.bmc\.persona: unknown BMC persona 'idrac-9000' \(known: generic, sushy-tools, idrac, ilo, supermicro\)/);
  t.match(r.stderr, /FLEETLAB_ERR_BMC_PERSONA_UNKNOWN/);
});
