/**
 * Error codes go through the registry: every `FLEETLAB_ERR_*` token anywhere in the product
 * (code, comments, the qemu boot payload's shell script) names a code lab/base/errors.ts defines,
 * and the lint rule from eslint.config.js rejects a raw code string in product code while
 * letting tests spell codes out (they pin the strings users script against).
 */
import t from 'tap';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Linter } from 'eslint';
import { ERRORS } from '../../lab/base/errors.ts';
import { readSourceTree } from '../../tools/layers/import-graph.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const PRODUCT = ['lab', 'harness', 'reports', 'scenarios', 'bin', 'bench', 'fixtures', 'tools'];

t.test('every FLEETLAB_ERR_* the product mentions is a registry code', async (t) => {
  const known = new Set<string>(Object.values(ERRORS).map((d) => d.code));
  const naming = new Set<string>();
  for (const [f, text] of readSourceTree(ROOT, /\.(ts|js|mjs|sh|md|json)$/)) {
    if (!PRODUCT.includes(f.split('/')[0]!)) continue;
    for (const m of text.matchAll(/FLEETLAB_ERR_[A-Z_]+/g)) {
      naming.add(f);
      if (!known.has(m[0])) t.fail(`${f}: ${m[0]} is not in lab/base/errors.ts`);
    }
  }
  t.ok(naming.has('lab/nodes/qemu/boot-payload/init.sh'), "the VM's init script (shell, outside lint's reach) is covered");
  t.ok(naming.has('lab/base/errors.ts'), 'the registry itself is read');
});

t.test('lint: a raw code string is an error in product code, allowed in tests and in the registry', async (t) => {
  const config = ((await import(pathToFileURL(join(ROOT, 'eslint.config.js')).href)) as { default: Linter.Config[] }).default;
  // Only the syntax rule: the type-aware rules need a TypeScript project, this one does not.
  const blocks = config.filter((c) => c.rules?.['no-restricted-syntax'] || (!c.files && c.ignores));
  const parser = config.find((c) => c.languageOptions?.parser)!.languageOptions!.parser;
  const linter = new Linter({ cwd: ROOT });
  const lint = (filename: string, code: string) =>
    linter.verify(code, [{ files: ['**/*.ts'], languageOptions: { parser } }, ...blocks], { filename: join(ROOT, filename) }).map((m) => m.ruleId);
  const raw = ["const a = 'FLEETLAB_ERR_AGENT';", 'const b = `x FLEETLAB_ERR_AGENT ${a}`;', 'const c = /^FLEETLAB_ERR_/;'];
  for (const code of raw) {
    t.same(lint('lab/nodes/x.ts', code), ['no-restricted-syntax'], `product: ${code}`);
    t.same(lint('harness/cli/x.ts', code), ['no-restricted-syntax'], `harness: ${code}`);
    t.same(lint('test/lab/x.test.ts', code), [], `test: ${code}`);
  }
  t.same(lint('lab/base/errors.ts', raw[0]!), [], 'the registry itself');
  t.same(lint('lab/nodes/x.ts', "import { ERRORS } from '../base/errors.ts';\nconst a = ERRORS.AGENT.code;"), [], 'through the registry');
});
