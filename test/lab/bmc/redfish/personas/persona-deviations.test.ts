/**
 * The deviation lists are a contract with `fleetlab certify` ("the failing checks are exactly the
 * documented deviations"): pinned here per persona, stable ids named after their persona, none
 * shared between deviations and extensions, and each persona file says where its behaviour is
 * documented.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PERSONAS } from '../../../../../lab/bmc/redfish/personas/persona-registry.ts';

const EXPECTED: Record<string, string[]> = {
  generic: [],
  'sushy-tools': ['sushy-tools-once-is-continuous', 'sushy-tools-no-power-cycle', 'sushy-tools-no-session-service', 'sushy-tools-no-manager-vmedia'],
  idrac: ['idrac-no-system-vmedia', 'idrac-vmedia-no-patch', 'idrac-no-force-on', 'idrac-manager-reset-graceful-only'],
  ilo: ['ilo-no-system-vmedia', 'ilo-if-match-required', 'ilo-eject-needs-body', 'ilo-no-power-cycle'],
  supermicro: [
    'supermicro-no-system-vmedia',
    'supermicro-insert-needs-transfer-protocol',
    'supermicro-insert-refuses-inserted',
    'supermicro-base-registry-1-5',
    'supermicro-no-power-cycle',
  ],
};

t.test('each persona documents exactly its expected deviations', async (t) => {
  t.same([...PERSONAS.keys()].sort(), Object.keys(EXPECTED).sort());
  for (const [name, p] of PERSONAS) {
    t.same(p.deviations.map((d) => d.id), EXPECTED[name], `${name}: deviations`);
    const all = [...p.deviations, ...(p.extensions ?? [])];
    t.equal(new Set(all.map((d) => d.id)).size, all.length, `${name}: ids unique`);
    for (const d of all) {
      t.ok(d.id.startsWith(`${name}-`), `${d.id} is named after ${name}`);
      t.ok(d.description.length > 10 && !d.description.includes('\n'), `${d.id}: one-line description`);
    }
  }
});

t.test('each vendor persona file cites where the modelled behaviour is documented', async (t) => {
  for (const f of ['idrac', 'ilo', 'supermicro', 'sushy-tools']) {
    const src = readFileSync(fileURLToPath(new URL(`../../../../../lab/bmc/redfish/personas/${f}.ts`, import.meta.url)), 'utf8');
    const header = src.slice(0, src.indexOf('*/'));
    t.match(header, /Guide|reference|source|docs/i, `${f}.ts names its source`);
  }
});
