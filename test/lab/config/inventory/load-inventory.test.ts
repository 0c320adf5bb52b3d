import t from 'tap';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERRORS, isFleetlabError } from '../../../../lab/base/errors.ts';
import { inventoryJsonSchema } from '../../../../lab/config/inventory/inventory-schema.ts';
import { loadInventory, requirePowerControl, validateInventory } from '../../../../lab/config/inventory/load-inventory.ts';
import { inventoryDoc, machineDoc } from './fixtures/inventory-doc.ts';

const paths = (v: ReturnType<typeof validateInventory>) => v.errors.map((p) => p.path);

t.test('a valid inventory: defaults filled in, durations in ms, MACs kept', async (t) => {
  const v = validateInventory(
    inventoryDoc([
      machineDoc(0, { timings: { powerOnToDhcpMs: '90s', rebootMs: 120000 } }),
      machineDoc(1, { bmc: { ipmi: { host: '10.0.0.5' } }, ssh: { user: 'root', keyFile: '/root/.ssh/id_ed25519' } }),
      machineDoc(2, { ssh: { user: 'ops', password: { env: 'SSH_PW' }, hostKeyPolicy: 'accept-new' } }),
    ]),
  );
  t.same(v.errors, []);
  const [a, b] = v.inventory!.machines;
  t.equal(a!.bmc.redfish!.authType, 'auto');
  t.same(a!.timings, { powerOnToDhcpMs: 90_000, rebootMs: 120_000 });
  t.same(b!.bmc.ipmi, { host: '10.0.0.5', port: 623, cipherSuite: 17, privilege: 'ADMINISTRATOR' });
  t.same(b!.ssh, { user: 'root', keyFile: '/root/.ssh/id_ed25519', hostKeyPolicy: 'strict', port: 22 });
  t.equal(b!.bootMode, 'uefi');
  t.same(v.warnings, []);
});

t.test('every problem is reported with its path, shape and cross-field together', async (t) => {
  const v = validateInventory(
    inventoryDoc([
      machineDoc(0, { bmc: { redfish: { url: 'ftp://bmc-0' } }, timings: { powerOnToDhcpMs: '90 parsecs' } }),
      machineDoc(1, { bmc: {}, site: 'edge-9' }),
      machineDoc(2, { bootMacs: ['52:54:00:00:10:00'], ssh: { user: 'root', keyFile: 'id_rsa', hostKeyPolicy: 'yolo' } } as never),
      machineDoc(0, { bootMacs: ['zz:00'], bmc: { ipmi: { host: 'h', cipherSuite: 42 } } }),
    ]),
  );
  t.equal(v.inventory, undefined);
  const byPath = Object.fromEntries(v.errors.map((p) => [p.path, p.message]));
  t.match(byPath['inventory.machines[0].bmc.redfish.url'], /expected an http\(s\) URL/);
  t.match(byPath['inventory.machines[0].timings.powerOnToDhcpMs'], /expected a duration like '90s', got '90 parsecs'/);
  t.match(byPath['inventory.machines[1].bmc'], /give redfish or ipmi/);
  t.match(byPath['inventory.machines[1].site'], /site 'edge-9' has no lab interface/);
  t.match(byPath['inventory.machines[2].bootMacs[0]'], /duplicate MAC 52:54:00:00:10:00 \(also machines\[0\]\.bootMacs\[0\]\)/);
  t.match(byPath['inventory.machines[2].ssh.keyFile'], /absolute path/);
  t.ok(byPath['inventory.machines[2].ssh.hostKeyPolicy'], 'an unknown host-key policy');
  t.match(byPath['inventory.machines[3].name'], /duplicate machine name 'rack-0' \(also machines\[0\]\)/);
  t.match(byPath['inventory.machines[3].bootMacs[0]'], /expected a MAC/);
  t.ok(byPath['inventory.machines[3].bmc.ipmi.cipherSuite'], 'cipher suite out of range');
  t.equal(v.errors.length, 10, paths(v).join('\n'));
});

t.test('an inline password is an error naming its path, and the value is never quoted', async (t) => {
  const secret = 'inline-Sup3r-secret';
  const v = validateInventory(inventoryDoc([machineDoc(0), machineDoc(1, { credentials: { username: { env: 'U' }, password: secret } } as never)]));
  t.same(paths(v), ['inventory.machines[1].credentials.password']);
  t.match(v.errors[0]!.message, /inline secret is not allowed/);
  t.notMatch(JSON.stringify(v), secret);
  const bad = validateInventory(inventoryDoc([machineDoc(0, { credentials: { username: { env: '1X' }, password: { file: 'rel/pw' } } })]));
  t.same(paths(bad), ['inventory.machines[0].credentials.username.env', 'inventory.machines[0].credentials.password.file']);
});

t.test('unknown fields, a caFile with insecure, SSH without key or password, and allowPowerControl: missing is a warning, false an error', async (t) => {
  const v = validateInventory(
    inventoryDoc([
      machineDoc(0, { bmc: { redfish: { url: 'https://bmc', caFile: '/ca.pem', insecure: true } } }),
      { ...machineDoc(1), password: 'x', ssh: { user: 'root' } },
      machineDoc(2, { allowPowerControl: false } as never),
    ]),
  );
  t.same(paths(v).sort(), ['inventory.machines[0].bmc.redfish', 'inventory.machines[1].password', 'inventory.machines[1].ssh', 'inventory.machines[2].allowPowerControl']);
  const { allowPowerControl: _, ...noPower } = machineDoc(3);
  const w = validateInventory(inventoryDoc([noPower]));
  t.same(w.errors, []);
  t.same(
    w.warnings.map((p) => p.path),
    ['inventory.machines[0].allowPowerControl'],
  );
  t.throws(() => requirePowerControl(w.inventory!.machines), { code: ERRORS.INVENTORY_POWER_NOT_ALLOWED.code, message: /rack-3/ });
  t.doesNotThrow(() => requirePowerControl(validateInventory(inventoryDoc([machineDoc(0)])).inventory!.machines));
});

t.test('loadInventory reads JSON and a TS module default export; a bad file throws INVENTORY_INVALID with every problem', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-inv-'));
  const json = join(dir, 'lab.json');
  writeFileSync(json, JSON.stringify(inventoryDoc([machineDoc(0)])));
  t.equal((await loadInventory(json)).inventory.machines[0]!.name, 'rack-0');
  const ts = join(dir, 'lab.inventory.ts');
  writeFileSync(ts, `export default ${JSON.stringify(inventoryDoc([machineDoc(4)]))};\n`);
  t.equal((await loadInventory(ts)).inventory.machines[0]!.name, 'rack-4');
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify(inventoryDoc([machineDoc(0), machineDoc(0)])));
  const e: unknown = await loadInventory(bad).catch((x: unknown) => x);
  t.ok(isFleetlabError(e) && e.code === ERRORS.INVENTORY_INVALID.code && e.def.exit === 2);
  t.match((e as Error).message, /machines\[1\]\.name: duplicate machine name/);
  t.match((e as Error).message, /machines\[1\]\.bootMacs\[0\]: duplicate MAC/);
  writeFileSync(join(dir, 'broken.json'), '{"sites": ');
  await t.rejects(loadInventory(join(dir, 'broken.json')), { code: ERRORS.INVENTORY_INVALID.code, message: /not valid JSON/ });
  await t.rejects(loadInventory(join(dir, 'none.json')), { code: ERRORS.INVENTORY_INVALID.code, message: /no such file/ });
});

t.test('the JSON Schema describes the file: required fields and the credential reference', async (t) => {
  const s = inventoryJsonSchema() as { properties: { machines: { items: { required: string[]; properties: Record<string, unknown> } } } };
  const m = s.properties.machines.items;
  for (const k of ['name', 'site', 'bmc', 'credentials', 'bootMacs']) t.ok(m.required.includes(k), `${k} required`);
  t.notOk(m.required.includes('allowPowerControl'));
  t.match(JSON.stringify(m.properties.credentials), /"env"/);
  t.match(JSON.stringify(m.properties.credentials), /"file"/);
});

t.test("the README's inventory example is valid", async (t) => {
  const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Put real machines in the loop'));
  const example = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
  t.ok(example, 'the section has a JSON example');
  const v = validateInventory(JSON.parse(example!));
  t.same(v.errors, []);
  t.same(v.warnings, []);
  t.same(v.inventory!.machines[0]!.timings, { powerOnToDhcpMs: 180_000, rebootMs: 300_000 });
});
