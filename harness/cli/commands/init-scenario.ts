/**
 * `fleetlab init scenario NAME`: scaffolds a scenario in the current directory, as a user's own
 * ESM package (not this repository): ./scenarios/NAME.ts importing 'fleetlab' (found by
 * `fleetlab scenarios`, run with `npx fleetlab run scenarios/NAME.ts`) and, when missing, a
 * package.json with `"type": "module"` and fleetlab as a dependency. It passes as generated
 * (test/harness/cli/init-scenario.test.ts runs it); existing files are kept without --force.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from '../command.ts';
import { parseArgs } from '../parse-args.ts';
import { FleetlabError } from '../../../lab/base/errors.ts';
import { fleetlabVersion } from '../../fleetlab-version.ts';

function scenarioSource(name: string): string {
  return `/**
 * ${name}: provision every node with one image and hold it to thresholds (README "Thresholds").
 *
 *   npx fleetlab run scenarios/${name}.ts --param sites=4 --threshold 'phase.image.p95<2m'
 */
import { defineScenario } from 'fleetlab';

export default defineScenario({
  name: '${name}',
  description: 'provision every node with one image (scaffolded by fleetlab init scenario)',
  params: { sites: 2, nodesPerSite: 2, imageMB: 1, timeScale: 0.01, link: 'lan' },
  lab: (p) => ({ sites: p.sites, nodesPerSite: p.nodesPerSite, timeScale: p.timeScale, link: String(p.link) }),
  // Modelled time (= wall at timeScale 1); EDIT to your targets.
  thresholds: {
    'ready.ratio': '>= 1',
    'ttr.p95': '< 30m',
    'target.api.errors': '== 0',
    'failed.count': { threshold: '== 0', abortOnFail: true, delayAbortEval: '1m' },
  },
  async run({ lab, target, step, params, log }) {
    await step('enroll', () => target.enroll(lab.nodes));
    const image = target.image('edge-os-1.0', params.imageMB * 1e6);
    await step('provision', () => target.provision(lab.nodes, image));
    const result = await step('wait for ready', () => lab.waitReady(lab.nodes, { since: 0 }));
    for (const f of result.failed) log(\`\${f.node.name} failed: \${f.code}: \${f.message}\`);
  },
});
`;
}

function packageJson(name: string): string {
  const pkg = { name: `${name}-fleetlab-scenarios`, private: true, type: 'module', scripts: { [name]: `fleetlab run scenarios/${name}.ts` }, devDependencies: { fleetlab: `^${fleetlabVersion().version}`, tsx: '^4.0.0' } };
  return JSON.stringify(pkg, null, 2) + '\n';
}

export const initScenarioCommand: Command = {
  name: ['init', 'scenario'],
  summary: 'scaffold a scenario (./scenarios/NAME.ts) in your own ESM package',
  usage: `usage: fleetlab init scenario NAME [--force]

  Writes ./scenarios/NAME.ts (provision with thresholds; imports 'fleetlab') and, when missing,
  ./package.json (ESM, fleetlab as a dev dependency). Then: npm i -D fleetlab tsx (or link a
  checkout as node_modules/fleetlab) and npx fleetlab run scenarios/NAME.ts.
  NAME: lower-case letters, digits and '-', starting with a letter.
  --force  overwrite existing files`,
  async run(argv, io) {
    const a = parseArgs(argv, { force: { type: 'flag' } });
    if (a.positionals.length !== 1) throw new FleetlabError('USAGE', `expected one scenario NAME, got ${a.positionals.length ? a.positionals.join(' ') : 'none'}`);
    const name = a.positionals[0]!;
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new FleetlabError('USAGE', `scenario name '${name}': expected lower-case letters, digits and '-', starting with a letter`);
    const cwd = process.cwd();
    const files = [{ path: `scenarios/${name}.ts`, content: scenarioSource(name) }, ...(existsSync(join(cwd, 'package.json')) ? [] : [{ path: 'package.json', content: packageJson(name) }])];
    const clash = files.filter((f) => existsSync(join(cwd, f.path)));
    if (clash.length && !a.flags.force) throw new FleetlabError('USAGE', `${clash.map((f) => f.path).join(', ')} already exist(s); pass --force to overwrite`);
    for (const f of files) {
      mkdirSync(dirname(join(cwd, f.path)), { recursive: true });
      writeFileSync(join(cwd, f.path), f.content);
      io.stdout.write(`wrote ${f.path}\n`);
    }
    io.stdout.write(`next: npm i -D fleetlab tsx (if not yet), then\n  npx fleetlab run scenarios/${name}.ts\n  npx fleetlab scenarios\n`);
    return 0;
  },
};
