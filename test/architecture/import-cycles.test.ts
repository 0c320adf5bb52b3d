/**
 * The file-level import graph and cycle check: which imports count (type-only ones do), planted
 * cycles of every shape are found, the allowance in layers.json matches exactly one real cycle, and
 * a stale allowance is itself reported.
 */
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { importGraph, importsOf, readSourceTree } from '../../tools/layers/import-graph.ts';
import { findCycles, unexpectedCycles } from '../../tools/layers/import-cycles.ts';
import { checkArchitecture } from '../../tools/layers/check-layers.ts';
import { parseLayerTable } from '../../tools/layers/layer-rules.ts';

const ROOT = resolve(import.meta.dirname, '../..');

t.test('import forms: value vs type-only, relative only', async (t) => {
  const src = [
    "import type { A } from './a.ts';",
    "import { type B, type C } from './b.ts';",
    "import { type D, e } from './d.ts';",
    "import './side-effect.ts';",
    "export type { F } from '../f.ts';",
    "export { g } from './g.ts';",
    "type H = typeof import('./h.ts');",
    "const i = await import('./i.ts');",
    "import { readFile } from 'node:fs';",
    "import ts from 'typescript';",
  ].join('\n');
  const edges = importsOf('lab/x/m.ts', src).map((e) => [e.to, e.typeOnly, e.line]);
  t.same(edges, [
    ['lab/x/a.ts', true, 1],
    ['lab/x/b.ts', true, 2],
    ['lab/x/d.ts', false, 3],
    ['lab/x/side-effect.ts', false, 4],
    ['lab/f.ts', true, 5],
    ['lab/x/g.ts', false, 6],
    ['lab/x/h.ts', true, 7],
    ['lab/x/i.ts', false, 8],
  ]);
});

/** A file set from `a>b` pairs (`a>>b` = type-only). */
function graph(...pairs: string[]) {
  const files = new Map<string, string>();
  for (const p of pairs) {
    const [from, to] = p.split(/>>?/) as [string, string];
    const line = p.includes('>>') ? `import type { T } from './${to}.ts';\n` : `import { v } from './${to}.ts';\n`;
    files.set(`m/${from}.ts`, (files.get(`m/${from}.ts`) ?? '') + line);
  }
  return importGraph(files);
}

t.test('planted cycles: two files, type-only, three files, self-import; none in a DAG', async (t) => {
  t.match(findCycles(graph('a>b', 'b>a')), [{ files: ['m/a.ts', 'm/b.ts'], loop: ['m/a.ts', 'm/b.ts', 'm/a.ts'] }]);
  t.equal(findCycles(graph('a>>b', 'b>a')).length, 1, 'a type-only edge closes a cycle too');
  const three = findCycles(graph('a>b', 'b>c', 'c>a', 'c>d'));
  t.match(three, [{ files: ['m/a.ts', 'm/b.ts', 'm/c.ts'], message: 'import cycle: m/a.ts → m/b.ts → m/c.ts → m/a.ts' }]);
  t.match(findCycles(graph('a>a')), [{ files: ['m/a.ts'] }]);
  t.same(findCycles(graph('a>b', 'b>c', 'a>c', 'c>d')), []);
  t.equal(findCycles(graph('a>b', 'b>a', 'c>d', 'd>c')).length, 2, 'two separate cycles are two findings');
});

t.test('an allowance matches a cycle exactly, never a larger one', async (t) => {
  const allowed = [{ files: ['m/b.ts', 'm/a.ts'] }];
  t.same(unexpectedCycles(findCycles(graph('a>b', 'b>a')), allowed), []);
  t.equal(unexpectedCycles(findCycles(graph('a>b', 'b>c', 'c>a')), allowed).length, 1);
});

t.test('the real tree: only the allowed cycle, and the allowance is not stale', async (t) => {
  const table = parseLayerTable(JSON.parse(await readFile(join(ROOT, 'layers.json'), 'utf8')));
  const cycles = findCycles(importGraph(readSourceTree(ROOT)));
  t.same(unexpectedCycles(cycles, table.allowedCycles), [], 'no cycle beyond the allowance');
  t.same(
    cycles.map((c) => c.files),
    (table.allowedCycles ?? []).map((a) => [...a.files].sort()),
    'every allowance is a real cycle (delete it from layers.json once the cycle is broken)',
  );
});

t.test('checkArchitecture reports a planted cycle and a stale allowance', async (t) => {
  const table = parseLayerTable({ layers: { m: { why: 'test', imports: [] } }, allowedCycles: [{ files: ['m/x.ts', 'm/y.ts'], why: 'gone' }] });
  const files = new Map([
    ['m/a.ts', "import { b } from './b.ts';\nexport const a = 1;\n"],
    ['m/b.ts', "import type { A } from './a.ts';\nexport const b = 1;\n"],
  ]);
  const r = checkArchitecture(table, files);
  t.same(r.problems, [
    'import cycle: m/a.ts → m/b.ts → m/a.ts (layers.json allows no file cycles)',
    'layers.json allowedCycles [m/x.ts, m/y.ts]: no such cycle any more; delete the entry',
  ]);
});
