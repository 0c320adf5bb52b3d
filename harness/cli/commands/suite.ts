/** `fleetlab suite <suite.ts>`: run a nightly's list of scenario runs (see harness/suite/run-suite.ts). */
import type { Command } from '../command.ts';
import { parseArgs } from '../parse-args.ts';
import { FleetlabError } from '../../../lab/base/errors.ts';
import { runSuite } from '../../suite/run-suite.ts';
import { parseShard } from '../../suite/suite-plan.ts';

export const suiteCommand: Command = {
  name: ['suite'],
  summary: 'run a suite: scenarios × param matrices × targets × repeat, with one suite report',
  usage: `usage: fleetlab suite <suite.ts> [--out DIR] [--shard i/N] [--concurrency N] [--repeat N]
                      [--baseline DIR] [--save-baseline DIR]

  Runs every run the suite file (export default defineSuite({...})) plans, each in
  <suite-dir>/runs/<id>/, and writes suite.json, junit.xml (one testsuite per run) and index.html.
  --out DIR          suite directory (default reports/suites/<name>-<time>/)
  --shard i/N        run only shard i of N (round-robin over the planned runs; same split everywhere)
  --concurrency N    runs in flight at once (default: the suite's, else 1)
  --repeat N         run the whole list N times (overrides the suite's repeat)
  --baseline DIR     compare every run with the earlier runs under DIR of the same scenario, params,
                     target, target version and testbed (pooled); a run with none says so
  --save-baseline DIR  copy this suite's directory into DIR afterwards
  Prints one JSON line {status, suiteDir, runs, passed, failed} on stdout.

exit: 0 every run passed, 1 a run failed, 99 a run's threshold failed or it regressed against its baseline,
      2 bad input (every problem listed), 130/143 signals`,
  async run(argv, io) {
    const a = parseArgs(argv, { out: { type: 'string' }, shard: { type: 'string' }, concurrency: { type: 'string' }, repeat: { type: 'string' }, baseline: { type: 'string' }, 'save-baseline': { type: 'string' } });
    if (a.positionals.length !== 1) throw new FleetlabError('USAGE', `expected one suite file, got ${a.positionals.length === 0 ? 'none' : a.positionals.join(' ')}`);
    let shard: { index: number; count: number } | null = null;
    if (a.strings.shard !== undefined) {
      const s = parseShard(a.strings.shard);
      if (typeof s === 'string') throw new FleetlabError('USAGE', `--shard: ${s}`);
      shard = s;
    }
    let concurrency: number | undefined;
    if (a.strings.concurrency !== undefined) {
      concurrency = Number(a.strings.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1) throw new FleetlabError('USAGE', `--concurrency '${a.strings.concurrency}': expected an integer ≥ 1`);
    }
    let repeat: number | undefined;
    if (a.strings.repeat !== undefined) {
      repeat = Number(a.strings.repeat);
      if (!Number.isInteger(repeat) || repeat < 1 || repeat > 1000) throw new FleetlabError('USAGE', `--repeat '${a.strings.repeat}': expected an integer 1..1000`);
    }
    return runSuite({ file: a.positionals[0]!, out: a.strings.out, shard, concurrency, repeat, baseline: a.strings.baseline, saveBaseline: a.strings['save-baseline'], stdout: io.stdout, stderr: io.stderr, signal: io.signal, abortReason: io.abortReason });
  },
};
