/**
 * `fleetlab schema`: the JSON Schemas editors use. An independent validator (Debian's
 * python3-jsonschema, draft 2020-12) is the oracle: every shipped scenario's lab spec validates
 * against `fleetlab schema lab`, broken specs do not, and the runner's own zod check agrees.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { schemaCommand } from '../../../harness/cli/commands/schema.ts';
import { loadScenario, resolveParams } from '../../../harness/run/scenario-loader.ts';
import { Problems } from '../../../lab/base/problem.ts';
import { parseInto } from '../../../lab/base/schema.ts';
import { LabSpecSchema } from '../../../lab/config/lab-schema.ts';
import { captureIo, runCli } from './cli-helpers.ts';

const run = promisify(execFile);
const SCENARIOS = ['provision', 'boot-storm', 'chaos-wan', 'wan-degraded', 'rollout-fleet', 'rollout-bad-image', 'bmc-unreliable', 'power-loss-install'];

/** Validate each document against the schema with python3-jsonschema; true/false per document. */
async function jsonschemaValid(schema: unknown, docs: unknown[], dir: string): Promise<boolean[]> {
  const file = join(dir, 'input.json');
  writeFileSync(file, JSON.stringify({ schema, docs }));
  const py = [
    'import json, sys, jsonschema',
    'd = json.load(open(sys.argv[1]))',
    'jsonschema.Draft202012Validator.check_schema(d["schema"])',
    'v = jsonschema.Draft202012Validator(d["schema"])',
    'print(json.dumps([v.is_valid(x) for x in d["docs"]]))',
  ].join('\n');
  const r = await run('/usr/bin/python3', ['-c', py, file], { timeout: 120_000 });
  return JSON.parse(r.stdout) as boolean[];
}

async function schemaOf(name: string): Promise<Record<string, unknown>> {
  const c = captureIo();
  t.equal(await schemaCommand.run([name], c.io), 0);
  return JSON.parse(c.out()) as Record<string, unknown>;
}

t.test('lab: every shipped scenario validates, broken specs do not, and zod agrees', async (t) => {
  const schema = await schemaOf('lab');
  t.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  t.match(schema.properties, { sites: {}, link: {}, profiles: {}, timeScale: { minimum: 0, maximum: 100 } });
  const shipped: unknown[] = [];
  for (const name of SCENARIOS) {
    const s = await loadScenario(`scenarios/${name}.ts`);
    const params = resolveParams(s.params ?? {}, {}, new Problems());
    shipped.push(typeof s.lab === 'function' ? s.lab(params) : s.lab);
  }
  const broken = [
    { sites: 2, timeScale: -3 },
    { sites: [{ name: 'a', link: { down: 20 } }] },
    { sites: 1, colour: 'red' },
    { profiles: [{ name: 'p', firmware: 'efi' }] },
    { link: 'dialup' },
  ];
  const verdicts = await jsonschemaValid(schema, [...shipped, ...broken], t.testdir());
  t.same(verdicts.slice(0, shipped.length), shipped.map(() => true), 'every shipped scenario lab spec is valid');
  t.same(verdicts.slice(shipped.length), broken.map(() => false), 'every broken spec is refused');
  for (const spec of shipped) t.ok(parseInto(LabSpecSchema, spec, 'lab', new Problems()), 'zod accepts it too');
  for (const spec of broken) t.notOk(parseInto(LabSpecSchema, spec, 'lab', new Problems()), `zod refuses ${JSON.stringify(spec)}`);
});

t.test('faults, waves, inventory, suite, redfish-patch: valid documents pass, broken ones do not', async (t) => {
  const cases: [string, unknown[], unknown[]][] = [
    [
      'faults',
      [{ kind: 'link-flap', selector: { percentSites: '20%' }, params: { period: '10s', down: '2s' }, every: '60s', duration: '10s' }, [{ kind: 'partition', when: { phase: 'image' } }]],
      [{ kind: 'no-such-fault' }, { kind: 'partition', colour: 1 }, { kind: 'partition', when: { phase: 'lunch' } }],
    ],
    ['waves', [['canary:1 site', '10%', '100%'], 'canary:1 site,25%,100%', { canarySites: 2, factor: 4 }, [{ sites: 2, select: { region: 'eu' } }]], [[{ sites: 1, colour: 'x' }], { factor: 'big' }, 42]],
    [
      'inventory',
      [{ sites: { 'store-1': { interface: 'eth1' } }, machines: [{ name: 'r1', site: 'store-1', bootMacs: ['52:54:00:aa:bb:01'], bmc: { redfish: { url: 'https://10.0.0.5' } }, credentials: { username: { env: 'BMC_USER' }, password: { file: '/etc/fleetlab/bmc.pass' } }, allowPowerControl: true }] }],
      [{ sites: {}, machines: [{ name: 'r1', site: 'store-1', bootMacs: ['52:54:00:aa:bb:01'], bmc: { redfish: { url: 'https://10.0.0.5' } }, credentials: { username: 'root', password: 'calvin' } }] }, { machines: 'all' }],
    ],
    ['suite', [{ name: 'nightly', runs: [{ scenario: './provision.ts', params: { sites: [1, 2] }, repeat: 2 }] }], [{ name: 'x', runs: [] }, { name: 'x', runs: [{ scenario: 'a.ts', colour: 1 }] }]],
    ['redfish-patch', [{ Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' } }, { AssetTag: 'rack-7' }], [{ Boot: { BootSourceOverrideTarget: 'Floppy99' } }, { PowerState: 'On' }, { AssetTag: 7 }]],
  ];
  for (const [name, good, bad] of cases) {
    const schema = await schemaOf(name);
    t.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema', `${name}: draft 2020-12`);
    const verdicts = await jsonschemaValid(schema, [...good, ...bad], t.testdir());
    t.same(verdicts, [...good.map(() => true), ...bad.map(() => false)], `${name}: valid ones pass, broken ones fail`);
  }
});

t.test('an unknown file type is a usage error (exit 2) naming the known ones', async (t) => {
  const r = await runCli(['schema', 'blueprint']);
  t.equal(r.code, 2);
  t.match(r.stderr, /FLEETLAB_ERR_USAGE: unknown file type 'blueprint'; expected one of lab, faults, waves, redfish-patch, inventory, suite/);
  t.equal(r.stdout, '', 'nothing on stdout');
  const ok = await runCli(['schema', 'waves']);
  t.equal(ok.code, 0, ok.stderr);
  t.match(JSON.parse(ok.stdout), { title: 'fleetlab rollout waves' });
});
