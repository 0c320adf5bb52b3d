/**
 * The layer table (`layers.json` at the repository root, in the spirit of Playwright's DEPS.list)
 * and the check that every import obeys it.
 *
 *   layers.json ──parseLayerTable──▶ LayerTable ─┐
 *   ImportEdge[] (import-graph.ts) ──────────────┴─checkLayers──▶ LayerViolation[]
 *
 * A layer key names a folder and everything under it (`lab/nodes`), or with `/*` only the files
 * directly in it (`lab/*` = the composition root `lab/lab.ts`). A file belongs to the longest key
 * that covers it; a file no key covers is itself a violation, so a new folder has to be placed in
 * the table before it can land. A layer may import itself, the layers or files in `imports` (values
 * and types) and those in `types` for types only (`import type`, erased at run time).
 */
import { z } from 'zod';
import { FleetlabError } from '../../lab/base/errors.ts';
import type { ImportEdge } from './import-graph.ts';

const Entry = z.string().regex(/^\.?[a-z][\w.-]*(\/[\w.*-]+)*$/, 'expected a repo-relative folder (lab/base), folder/* or file path');
const Layer = z.strictObject({
  why: z.string().min(1),
  imports: z.array(Entry),
  types: z.array(Entry).optional(),
});
const Cycle = z.strictObject({ files: z.array(z.string()).min(2), why: z.string().min(1) });
const Table = z.strictObject({
  why: z.string().optional(),
  layers: z.record(Entry, Layer),
  allowedCycles: z.array(Cycle).optional(),
});

export type LayerTable = z.infer<typeof Table>;

/** Validate a parsed layers.json; throws LAYERS_INVALID listing every problem with its path. */
export function parseLayerTable(json: unknown, source = 'layers.json'): LayerTable {
  const r = Table.safeParse(json);
  const problems = r.success ? unknownEntries(r.data) : r.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  if (problems.length) throw new FleetlabError('LAYERS_INVALID', `${source}: ${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}`, { problems });
  return r.data!;
}

/** An `imports`/`types` entry must be a layer key or a file path (with an extension). */
function unknownEntries(t: LayerTable): string[] {
  const out: string[] = [];
  for (const [key, layer] of Object.entries(t.layers)) {
    for (const field of ['imports', 'types'] as const) {
      (layer[field] ?? []).forEach((e, i) => {
        if (!(e in t.layers) && !/\.\w+$/.test(e)) out.push(`layers.${key}.${field}[${i}]: '${e}' is neither a layer of this table nor a file path`);
      });
    }
  }
  return out;
}

/** The layer key a file belongs to (undefined: none). */
export function layerOf(table: LayerTable, file: string): string | undefined {
  let best: string | undefined;
  for (const key of Object.keys(table.layers)) {
    const covers = key.endsWith('/*') ? file.startsWith(key.slice(0, -1)) && !file.slice(key.length - 1).includes('/') : file.startsWith(`${key}/`);
    if (covers && (!best || key.length > best.length)) best = key;
  }
  return best;
}

export interface LayerViolation {
  from: string;
  to: string;
  line: number;
  /** The rule broken, e.g. `reports → lab/base: types only`. */
  rule: string;
  /** One line naming the importing file, the imported file and the rule. */
  message: string;
}

/** Every import that breaks the table, and every file the table does not place. */
export function checkLayers(table: LayerTable, files: Iterable<string>, edges: readonly ImportEdge[]): LayerViolation[] {
  const out: LayerViolation[] = [];
  for (const f of files) {
    if (!layerOf(table, f)) out.push({ from: f, to: f, line: 1, rule: 'every file is in a layer', message: `${f}: not in any layer of layers.json (add its folder to the table)` });
  }
  for (const e of edges) {
    const rule = brokenRule(table, e);
    if (rule) out.push({ from: e.from, to: e.to, line: e.line, rule, message: `${e.from}:${e.line} imports ${e.to}${e.typeOnly ? ' (type-only)' : ''}: breaks layers.json rule '${rule}'` });
  }
  return out;
}

/** The rule an edge breaks, or undefined when it is allowed. */
function brokenRule(table: LayerTable, e: ImportEdge): string | undefined {
  const from = layerOf(table, e.from);
  if (!from) return undefined; // reported once as a file outside every layer
  const to = layerOf(table, e.to);
  const layer = table.layers[from]!;
  const may = (list: readonly string[] | undefined): boolean => !!list && (list.includes(e.to) || (!!to && list.includes(to)));
  if (!to) return `${from} imports only files inside the layers`;
  if (to === from || may(layer.imports)) return undefined;
  if (may(layer.types)) return e.typeOnly ? undefined : `${from} → ${to}: types only`;
  const allowed = [...layer.imports, ...(layer.types ?? []).map((t) => `${t} (types)`)];
  return `${from} may import ${allowed.length ? allowed.join(', ') : 'nothing outside itself'}`;
}
