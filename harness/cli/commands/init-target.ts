/**
 * `fleetlab init target NAME`: scaffolds a working target module and its tap test in the current
 * directory (./targets/NAME.ts, ./test/NAME.test.ts, and an ESM package.json when there is none).
 * The module imports 'fleetlab' (the package: `npm i -D fleetlab`, or a node_modules/fleetlab link
 * to a checkout) and passes its test as generated; the user then edits it towards their server.
 * Existing files are never overwritten without --force.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from '../command.ts';
import { parseArgs } from '../parse-args.ts';
import { FleetlabError } from '../../../lab/base/errors.ts';
import { scaffoldFiles } from '../../targets/plugin/scaffold/scaffold-files.ts';

export const initTargetCommand: Command = {
  name: ['init', 'target'],
  summary: 'scaffold a target module + tap test (./targets/NAME.ts) to edit',
  usage: `usage: fleetlab init target NAME [--force]

  Writes ./targets/NAME.ts (a working target: fleetlab's reference server as a stand-in for
  your server, marked EDIT where yours goes), ./test/NAME.test.ts (runs the shipped provision
  scenario against it through the real CLI) and, when missing, ./package.json (ESM).
  NAME: lower-case letters, digits and '-', starting with a letter.
  --force  overwrite existing files`,
  async run(argv, io) {
    const a = parseArgs(argv, { force: { type: 'flag' } });
    if (a.positionals.length !== 1) throw new FleetlabError('USAGE', `expected one target NAME, got ${a.positionals.length ? a.positionals.join(' ') : 'none'}`);
    const name = a.positionals[0]!;
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new FleetlabError('USAGE', `target name '${name}': expected lower-case letters, digits and '-', starting with a letter`);
    const cwd = process.cwd();
    const files = scaffoldFiles(name, !existsSync(join(cwd, 'package.json')));
    const clash = files.filter((f) => existsSync(join(cwd, f.path)));
    if (clash.length && !a.flags.force) throw new FleetlabError('USAGE', `${clash.map((f) => f.path).join(', ')} already exist(s); pass --force to overwrite`);
    for (const f of files) {
      mkdirSync(dirname(join(cwd, f.path)), { recursive: true });
      writeFileSync(join(cwd, f.path), f.content);
      io.stdout.write(`wrote ${f.path}\n`);
    }
    io.stdout.write(`next: npm i -D fleetlab tap tsx (if not yet), then\n  node --import=tsx test/${name}.test.ts\n  npx fleetlab run <scenario.ts> --target ${name}\n  npx fleetlab targets\n`);
    return 0;
  },
};
