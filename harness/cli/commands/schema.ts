/**
 * `fleetlab schema <file type>`: the JSON Schema (draft 2020-12) of a file a user writes, for
 * editors' completion and checks (VS Code `json.schemas` / `yaml.schemas`, `$schema` in a file).
 * Each schema comes from the zod schema fleetlab itself validates with, so editor and runner
 * never disagree.
 *
 *   lab            the lab spec (lab/config/lab-schema.ts)
 *   faults         one fault spec or a list (lab/faults/fault-spec.ts, kinds from the registry)
 *   waves          rollout waves (harness/rollout/wave-spec.ts)
 *   redfish-patch  a ComputerSystem PATCH body (lab/bmc/redfish/resources/systems.ts)
 *   inventory      a hardware inventory (lab/config/inventory/inventory-schema.ts)
 *   suite          a suite file's default export (harness/define-suite.ts)
 */
import type { Command } from '../command.ts';
import { parseArgs } from '../parse-args.ts';
import { FleetlabError } from '../../../lab/base/errors.ts';
import { labJsonSchema } from '../../../lab/config/lab-schema.ts';
import { faultsJsonSchema } from '../../../lab/faults/fault-spec.ts';
import { FAULT_PLUGINS } from '../../../lab/faults/fault-registry.ts';
import { wavesJsonSchema } from '../../rollout/wave-spec.ts';
import { patchJsonSchema } from '../../../lab/bmc/redfish/patch-schema.ts';
import { SYSTEM_PATCH } from '../../../lab/bmc/redfish/resources/systems.ts';
import { inventoryJsonSchema } from '../../../lab/config/inventory/inventory-schema.ts';
import { suiteJsonSchema } from '../../define-suite.ts';

/** Every file type with a schema; add a line here when fleetlab reads a new kind of user file. */
export const SCHEMAS: Record<string, () => Record<string, unknown>> = {
  lab: labJsonSchema,
  faults: () => faultsJsonSchema(FAULT_PLUGINS),
  waves: wavesJsonSchema,
  'redfish-patch': () => patchJsonSchema(SYSTEM_PATCH, 'fleetlab Redfish ComputerSystem PATCH', 'What PATCH /redfish/v1/Systems/{id} accepts on a fleetlab BMC: Boot override, AssetTag, IndicatorLED, LocationIndicatorActive.'),
  inventory: inventoryJsonSchema,
  suite: suiteJsonSchema,
};

export const schemaCommand: Command = {
  name: ['schema'],
  summary: 'print the JSON Schema of a file type (lab, faults, waves, redfish-patch, inventory, suite) for editors',
  usage: `usage: fleetlab schema <${Object.keys(SCHEMAS).join('|')}>

  Prints the JSON Schema (draft 2020-12) of that file type on stdout, e.g.
  fleetlab schema lab > .vscode/fleetlab-lab.schema.json`,
  async run(argv, io) {
    const a = parseArgs(argv, {});
    const [name, extra] = a.positionals;
    if (extra !== undefined) throw new FleetlabError('USAGE', `unexpected argument '${extra}'`);
    const make = name === undefined ? undefined : SCHEMAS[name];
    if (!make) throw new FleetlabError('USAGE', `${name === undefined ? 'missing file type' : `unknown file type '${name}'`}; expected one of ${Object.keys(SCHEMAS).join(', ')}`);
    io.stdout.write(JSON.stringify(make(), null, 2) + '\n');
    return 0;
  },
};
