/**
 * The layer table holds: for every rule in layers.json one planted wrong import is reported (and
 * the allowed imports of the same layer are not), the real tree passes, and the CLI `npm run lint`
 * runs exits 1 naming the importing file, the imported file and the rule (2 on a malformed table).
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { promisify } from 'node:util';
import { importGraph } from '../../tools/layers/import-graph.ts';
import { checkLayers, layerOf, parseLayerTable, type LayerTable } from '../../tools/layers/layer-rules.ts';
import { checkRepository } from '../../tools/layers/check-layers.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const table: LayerTable = parseLayerTable(JSON.parse(await readFile(join(ROOT, 'layers.json'), 'utf8')));
const keys = Object.keys(table.layers);

/** A file path inside layer `key` (and in no more specific one). */
function fileIn(key: string): string {
  return key.endsWith('/*') ? `${key.slice(0, -2)}/planted.ts` : `${key}/planted-x/planted.ts`;
}

/** The violations of a one-file set: `from` importing `to` (the target's own placement is not under test). */
function plant(from: string, to: string, typeOnly = false) {
  let spec = posix.relative(posix.dirname(from), to);
  if (!spec.startsWith('.')) spec = `./${spec}`;
  const files = new Map([[from, typeOnly ? `import type { X } from '${spec}';\n` : `import { x } from '${spec}';\nx();\n`]]);
  return checkLayers(table, files.keys(), importGraph(files));
}

t.test('every layer key places its own sample file', async (t) => {
  for (const k of keys) t.equal(layerOf(table, fileIn(k)), k, k);
});

t.test('each layer: a planted import of a layer it may not use is reported; its allowed imports are not', async (t) => {
  for (const k of keys) {
    const layer = table.layers[k]!;
    const from = fileIn(k);
    for (const allowed of layer.imports) {
      const to = /\.\w+$/.test(allowed) ? allowed : fileIn(allowed);
      t.same(plant(from, to), [], `${k} → ${allowed} is allowed`);
    }
    const forbidden = keys.filter((o) => o !== k && !layer.imports.includes(o) && !(layer.types ?? []).includes(o));
    t.ok(forbidden.length > 0, `${k} forbids some layer`);
    for (const o of forbidden) {
      const v = plant(from, fileIn(o));
      t.equal(v.length, 1, `${k} → ${o} is reported`);
      t.match(v[0], { from, to: fileIn(o), rule: new RegExp(`^${k.replace(/[*.]/g, '\\$&')} may import`) }, `${k} → ${o}: names both files and the rule`);
      t.match(v[0]?.message, `${from}:1 imports ${fileIn(o)}`);
    }
  }
});

t.test('types-only rules: a value import is reported, an `import type` is not', async (t) => {
  const typeRules = keys.flatMap((k) => (table.layers[k]!.types ?? []).map((ty) => [k, ty] as const));
  t.ok(typeRules.some(([k]) => k === 'reports'), 'reports has types-only rules');
  for (const [k, ty] of typeRules) {
    t.same(plant(fileIn(k), fileIn(ty), true), [], `${k} → ${ty} (type-only) is allowed`);
    const v = plant(fileIn(k), fileIn(ty));
    t.equal(v.length, 1, `${k} → ${ty} (value) is reported`);
    t.equal(v[0]?.rule, `${k} → ${ty}: types only`);
  }
});

t.test('file entries: scenarios may import harness/index.ts but no other harness file', async (t) => {
  t.same(plant('scenarios/x.ts', 'harness/index.ts'), []);
  const v = plant('scenarios/x.ts', 'harness/scenario.ts');
  t.equal(v.length, 1);
  t.match(v[0]?.message, "scenarios/x.ts:1 imports harness/scenario.ts: breaks layers.json rule 'scenarios may import harness/index.ts'");
});

t.test('a file no layer covers, and an import leaving every layer, are reported', async (t) => {
  const stray = checkLayers(table, ['lab/newthing/x.ts'], []);
  t.match(stray, [{ from: 'lab/newthing/x.ts', rule: 'every file is in a layer' }]);
  for (const k of keys) {
    const v = plant(fileIn(k), 'outside-every-layer.ts');
    t.match(v, [{ rule: `${k} imports only files inside the layers` }], `${k} → a file outside the table`);
  }
});

t.test('fixtures/ and test/ are out of bounds for everything that ships; bench/ may use fixtures/ but not test/', async (t) => {
  for (const k of ['lab/base', 'lab/nodes', 'lab/*', 'harness/*', 'harness/run', 'harness/cli', 'harness/targets', 'reports', 'scenarios', 'bin']) {
    t.equal(plant(fileIn(k), 'fixtures/reports/synthetic-log.ts').length, 1, `${k} → fixtures`);
    t.equal(plant(fileIn(k), 'test/helpers/sim-lab.ts').length, 1, `${k} → test`);
  }
  t.same(plant('bench/x.ts', 'fixtures/reports/synthetic-log.ts'), []);
  t.equal(plant('bench/x.ts', 'test/helpers/sim-lab.ts').length, 1);
});

t.test('the real tree obeys the table and has no cycle beyond the listed allowance', async (t) => {
  const r = checkRepository(ROOT);
  t.same(r.problems, []);
  t.ok(r.files > 200 && r.imports > 500, `read the whole tree (${r.files} files, ${r.imports} imports)`);
});

const run = promisify(execFile);
const CLI = join(ROOT, 'tools/layers/check-layers.ts');

/** Run the checker CLI on a scratch tree; resolves with its exit code and stderr. */
async function cli(files: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetlab-layers-'));
  try {
    for (const [p, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, p)), { recursive: true });
      await writeFile(join(dir, p), text);
    }
    const r = await run(process.execPath, ['--import=tsx', CLI, dir], { cwd: ROOT }).then(
      (o) => ({ code: 0, stderr: o.stderr }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    return r;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

t.test('CLI: exit 1 naming importing file, imported file and rule; exit 0 when clean', async (t) => {
  // The real table minus its cycle allowance (the scratch tree has no such files, so it would be stale).
  const layersJson = JSON.stringify({ ...table, allowedCycles: [] });
  const clean = await cli({ 'layers.json': layersJson, 'lab/base/a.ts': 'export const a = 1;\n', 'lab/net/b.ts': "import { a } from '../base/a.ts';\nexport const b = a;\n" });
  t.same(clean, { code: 0, stderr: '' });
  const bad = await cli({ 'layers.json': layersJson, 'lab/base/a.ts': "import { b } from '../net/b.ts';\nexport const a = b;\n", 'lab/net/b.ts': 'export const b = 1;\n' });
  t.equal(bad.code, 1);
  t.match(bad.stderr, "lab/base/a.ts:1 imports lab/net/b.ts: breaks layers.json rule 'lab/base may import nothing outside itself'");
});

t.test('CLI: a malformed table is bad input (exit 2, code and path named)', async (t) => {
  const r = await cli({ 'layers.json': JSON.stringify({ layers: { 'lab/base': { why: 'x', imports: ['lab/nowhere'] } } }) });
  t.equal(r.code, 2);
  t.match(r.stderr, 'FLEETLAB_ERR_LAYERS_INVALID');
  t.match(r.stderr, "layers.lab/base.imports[0]: 'lab/nowhere' is neither a layer");
  const r2 = await cli({ 'layers.json': JSON.stringify({ layers: { bad: { imports: [] } } }) });
  t.equal(r2.code, 2);
  t.match(r2.stderr, 'layers.bad.why');
});
