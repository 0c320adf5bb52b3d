/**
 * `fleetlab run <scenario> --repeat N`: the scenario as a one-entry suite repeated N times
 * (harness/suite/run-suite.ts), so repetitions get what suites have (a run directory each,
 * suite.json, one junit.xml, index.html, and `--baseline`-ready samples) without a suite file.
 */
import { basename, resolve } from 'node:path';
import type { CliIo } from '../command.ts';
import { parseKeyValues, type ParsedArgs } from '../parse-args.ts';
import { FleetlabError } from '../../../lab/base/errors.ts';
import { runSuite } from '../../suite/run-suite.ts';
import { parseTargetOptions } from '../parse-target-options.ts';
import type { SuiteDefinition } from '../../define-suite.ts';

/** Options of a single run that a repeated one does not take, each with why. */
const NOT_WITH_REPEAT: Record<string, string> = {
  'dry-run': 'validate with a plain --dry-run first',
  shard: 'shards are one run split across machines',
  coordinator: 'a coordinator serves one sharded run',
  inventory: 'a hardware lab runs once at a time',
  reporter: 'the repetitions write junit.xml',
  json: 'a repeated run always prints one suite JSON line',
};

export async function runRepeated(a: ParsedArgs, seed: number | undefined, io: CliIo): Promise<number> {
  const repeat = Number(a.strings.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 1000) throw new FleetlabError('USAGE', `--repeat '${a.strings.repeat}': expected an integer 1..1000`);
  const clashes = Object.keys(NOT_WITH_REPEAT).filter((k) => a.flags[k] === true || a.strings[k] !== undefined);
  if (clashes.length) throw new FleetlabError('USAGE', `--repeat does not combine with ${clashes.map((k) => `--${k} (${NOT_WITH_REPEAT[k]})`).join(', ')}`);
  const file = resolve(a.positionals[0]!);
  const definition: SuiteDefinition = {
    name: basename(file).replace(/\.[cm]?[jt]s$/, ''),
    runs: [
      {
        scenario: file,
        params: parseKeyValues(a.lists.param, 'param'),
        ...(a.strings.target !== undefined ? { targets: [a.strings.target] } : {}),
        targetOptions: parseTargetOptions(a.lists['target-opt']),
        ...(seed !== undefined ? { seed } : {}),
      },
    ],
    repeat,
  };
  return runSuite({ file, definition, thresholds: a.lists.threshold, out: a.strings.out, shard: null, stdout: io.stdout, stderr: io.stderr, signal: io.signal, abortReason: io.abortReason });
}
