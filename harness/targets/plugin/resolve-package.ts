/**
 * Finds the ESM entry file of a package installed where the user runs fleetlab (cwd's
 * node_modules, then each parent's), for `--target <package>`. A plain `import(name)` would
 * resolve from fleetlab's own folder instead, and `require.resolve` misses import-only exports.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

type Exports = string | { [k: string]: Exports } | null | undefined;

export function resolvePackageEntry(name: string, cwd: string): string | undefined {
  for (let dir = cwd; ; dir = dirname(dir)) {
    const pkgDir = join(dir, 'node_modules', name);
    const pkgFile = join(pkgDir, 'package.json');
    if (existsSync(pkgFile)) {
      const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports?: Exports; main?: string };
      return join(pkgDir, entryOf(pkg.exports) ?? pkg.main ?? 'index.js');
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** The "." export under the import/node/default conditions (the ones fleetlab's loader meets). */
function entryOf(e: Exports): string | undefined {
  if (typeof e === 'string') return e;
  if (!e || typeof e !== 'object') return undefined;
  if ('.' in e) return entryOf(e['.']);
  for (const c of ['import', 'node', 'default']) if (c in e) return entryOf(e[c]);
  return undefined;
}
