/**
 * The file-level import graph of the repository, as the layer and cycle checks see it: every
 * relative `import`, `export … from`, `import('…')` call and `import('…')` type, each marked
 * value or type-only (a type-only edge vanishes at run time but still ties the two files
 * together for a reader, so the cycle check counts it).
 *
 *   { path → source text } ──parse (TypeScript AST, no type check)──▶ ImportEdge[]
 *
 * Bare specifiers (`node:fs`, npm packages) are not edges: the layer table is about our folders.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  /** Importing file, repo-relative with `/`. */
  from: string;
  /** Imported file, repo-relative with `/` (as written: the checker does not require it to exist). */
  to: string;
  typeOnly: boolean;
  /** 1-based line of the import in `from`. */
  line: number;
}

/** Files the checks read: TypeScript and JavaScript sources. */
export const SOURCE_FILE = /\.(ts|mts|cts|js|mjs|cjs)$/;
/** Never part of the tree: dependencies, VCS, caches and run output. */
const SKIP_DIRS = new Set(['node_modules', '.git', '.cache', '.tap']);
const SKIP_PATHS = new Set(['reports/runs']);

/** Every source file (or every file matching `pattern`) under `root` in a top-level folder (root-level config files are not layered). */
export function readSourceTree(root: string, pattern: RegExp = SOURCE_FILE): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const abs = join(dir, name);
      const rel = relative(root, abs).split(sep).join('/');
      if (SKIP_DIRS.has(name) || SKIP_PATHS.has(rel)) continue;
      if (statSync(abs).isDirectory()) walk(abs);
      else if (pattern.test(name) && rel.includes('/')) files.set(rel, readFileSync(abs, 'utf8'));
    }
  };
  walk(root);
  return files;
}

/** The relative imports of one file. */
export function importsOf(path: string, text: string): ImportEdge[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const edges: ImportEdge[] = [];
  const add = (node: ts.Node, spec: string, typeOnly: boolean): void => {
    if (!spec.startsWith('.')) return;
    const to = posix.normalize(posix.join(posix.dirname(path), spec.replace(/[?#].*$/, '')));
    edges.push({ from: path, to, typeOnly, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1 });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, node.moduleSpecifier.text, isTypeOnlyImport(node.importClause));
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, node.moduleSpecifier.text, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node, node.argument.literal.text, true);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      // A computed specifier (the scenario loader's user path) is not a static edge.
      if (arg && ts.isStringLiteralLike(arg)) add(node, arg.text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/** `import type {…}` or `import { type A, type B }` (every name a type): erased at run time. */
function isTypeOnlyImport(clause: ts.ImportClause | undefined): boolean {
  if (!clause) return false; // `import './x.ts'` runs x for its side effects
  if (clause.isTypeOnly) return true;
  const named = clause.namedBindings;
  return !clause.name && !!named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
}

/** The edges of a whole file set. */
export function importGraph(files: ReadonlyMap<string, string>): ImportEdge[] {
  return [...files].flatMap(([path, text]) => importsOf(path, text));
}
