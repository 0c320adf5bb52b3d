/**
 * The files `fleetlab init target NAME` writes. The templates are this folder's real, type-checked
 * modules (templates/scaffold-target.ts, templates/scaffold-test.ts), so a generated target never drifts from the API:
 * only the import path ('fleetlab') and the name change.
 *
 *   scaffold-target.ts ─▶ ./targets/NAME.ts        scaffold-test.ts ─▶ ./test/NAME.test.ts
 *   (no package.json)  ─▶ ./package.json (ESM; fleetlab, tap, tsx as dev dependencies)
 */
import { readFileSync } from 'node:fs';
import { DISCOVERY_DIR } from '../load-target.ts';

const TEMPLATE_NAME = 'scaffold-demo';
const API_IMPORT = "'../../../../index.ts'";

export interface ScaffoldFile {
  path: string;
  content: string;
}

function fromTemplate(file: string, name: string): string {
  const text = readFileSync(new URL(file, import.meta.url), 'utf8');
  return text.replaceAll(API_IMPORT, "'fleetlab'").replaceAll(TEMPLATE_NAME, name);
}

export function scaffoldFiles(name: string, withPackageJson: boolean): ScaffoldFile[] {
  const files: ScaffoldFile[] = [
    { path: `${DISCOVERY_DIR}/${name}.ts`, content: fromTemplate('./templates/scaffold-target.ts', name) },
    { path: `test/${name}.test.ts`, content: fromTemplate('./templates/scaffold-test.ts', name) },
  ];
  if (withPackageJson) {
    const pkg = {
      name: `${name}-fleetlab-target`,
      private: true,
      type: 'module',
      scripts: { test: `node --import=tsx test/${name}.test.ts` },
      devDependencies: { fleetlab: '^0.1.0', tap: '^21.0.0', tsx: '^4.0.0' },
    };
    files.push({ path: 'package.json', content: JSON.stringify(pkg, null, 2) + '\n' });
  }
  return files;
}
