/**
 * `npx tsx tools/layers/check-layers.ts [root]`: the architecture check `npm run lint` runs after
 * eslint. Reads the source tree and layers.json, prints one line per broken layer rule and per
 * import cycle, exits 1 on any (2 when layers.json itself is malformed).
 *
 *   tree ──import-graph──▶ edges ─┬─layer-rules──▶ violations ─┐
 *                                 └─import-cycles─▶ cycles ────┴─▶ stderr, exit code
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ERRORS, isFleetlabError } from '../../lab/base/errors.ts';
import { importGraph, readSourceTree } from './import-graph.ts';
import { findCycles, unexpectedCycles } from './import-cycles.ts';
import { checkLayers, parseLayerTable, type LayerTable } from './layer-rules.ts';

export interface ArchitectureReport {
  /** One line per problem, each naming the files and the rule. */
  problems: string[];
  files: number;
  imports: number;
}

/** Check a file set against a table: layer rules first, then cycles beyond the allowed ones. */
export function checkArchitecture(table: LayerTable, files: ReadonlyMap<string, string>): ArchitectureReport {
  const edges = importGraph(files);
  const layerProblems = checkLayers(table, files.keys(), edges).map((v) => v.message);
  const cycles = findCycles(edges);
  const cycleProblems = unexpectedCycles(cycles, table.allowedCycles).map((c) => `${c.message} (layers.json allows no file cycles)`);
  // An allowance outlives its cycle only by mistake: once the cycle is gone the entry must go too.
  const stale = (table.allowedCycles ?? []).filter((a) => unexpectedCycles([{ files: a.files, loop: [], message: '' }], cycles).length > 0);
  const staleProblems = stale.map((a) => `layers.json allowedCycles [${a.files.join(', ')}]: no such cycle any more; delete the entry`);
  return { problems: [...layerProblems, ...cycleProblems, ...staleProblems], files: files.size, imports: edges.length };
}

/** Read layers.json and the tree under `root` and check them. */
export function checkRepository(root: string): ArchitectureReport {
  const path = join(root, 'layers.json');
  const table = parseLayerTable(JSON.parse(readFileSync(path, 'utf8')), path);
  return checkArchitecture(table, readSourceTree(root));
}

function main(root: string): number {
  try {
    const r = checkRepository(root);
    for (const p of r.problems) process.stderr.write(`${p}\n`);
    if (r.problems.length) process.stderr.write(`layers: ${r.problems.length} problem(s) in ${r.files} files (see layers.json and ARCHITECTURE.md)\n`);
    return r.problems.length ? 1 : 0;
  } catch (e) {
    // A malformed table (or a JSON syntax error) is bad input: name it and exit 2.
    process.stderr.write(`layers: ${isFleetlabError(e) ? `${e.code}: ` : `${ERRORS.LAYERS_INVALID.code}: `}${(e as Error).message}\n`);
    return ERRORS.LAYERS_INVALID.exit;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main(process.argv[2] ?? process.cwd());
