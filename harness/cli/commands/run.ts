/** `fleetlab run <scenario.ts>`: run a scenario against a target (see harness/run/run-scenario.ts). */
import type { Command } from '../command.ts';
import { parseArgs, parseKeyValues } from '../parse-args.ts';
import { FleetlabError } from '../../../lab/base/errors.ts';
import { runScenario } from '../../run/run-scenario.ts';
import { parseTargetOptions } from '../parse-target-options.ts';
import { parseShardSpec } from '../../shard/shard-spec.ts';
import { COORDINATOR_ENV, sharedTarget } from '../../shard/coordinator-client.ts';
import { runRepeated } from './run-repeated.ts';

export const runCommand: Command = {
  name: ['run'],
  summary: 'run a scenario (provision, rollout, chaos) against a target',
  usage: `usage: fleetlab run <scenario.ts> [--param k=v]... [--target NAME] [--target-opt k=v]...
                    [--seed N] [--threshold 'METRIC OP VALUE']... [--out DIR] [--dry-run] [--json] [--reporter tap] [--inventory FILE]
                    [--shard i/N | --shard /N] [--coordinator URL] [--repeat N]

  --param k=v       override a scenario parameter (typed by its default)
  --target NAME     server under test: a built-in (fleetlab targets), a module path (./my-target.ts),
                    a name in ./targets/, or an installed package (default: the scenario's, else 'reference')
  --target-opt k=v  option for the target (repeatable; k=v,k2=v2 in one value), checked against
                    the options it declares
  --seed N          seed for every random choice (MACs, jitter, loss, faults)
  --threshold T     a threshold on any metric, e.g. 'phase.tftp.p95<2s', 'ready.ratio>=0.999',
                    'site[link=dsl].ttr.p50<5m' (repeatable; added to the scenario's; modelled time)
  --out DIR         run directory (default reports/runs/<run-id>/)
  --dry-run         validate and print the plan (sites, nodes, steps); start nothing
  --json            print exactly one JSON summary object on stdout at the end
  --reporter tap    TAP on stdout (a test point per threshold and failed node)
  --shard i/N       run shard i of N: every N-th site (same names, MACs, addresses as unsharded);
                    '/N' takes i from JOB_COMPLETION_INDEX (0-based, Kubernetes Indexed Jobs)
  --coordinator URL run against the shared target of 'fleetlab serve reference' (env
                    FLEETLAB_COORDINATOR); an explicit --target wins
  --inventory FILE  hardware inventory for --param tier=hardware: the run's sites and nodes are its
                    machines, booting on each site's lab interface (README "Put real machines in the loop")
  --repeat N        run it N times as a one-entry suite (fleetlab suite): runs/<id>/ per repetition,
                    suite.json, junit.xml, index.html under --out; samples for 'fleetlab compare'

exit: 0 passed, 99 a threshold failed, 1 the run failed (harness/target error, timeout), 2 bad input,
      130 SIGINT, 143 SIGTERM`,
  async run(argv, io) {
    const a = parseArgs(argv, {
      param: { type: 'list' },
      target: { type: 'string' },
      'target-opt': { type: 'list' },
      seed: { type: 'string' },
      threshold: { type: 'list' },
      out: { type: 'string' },
      'dry-run': { type: 'flag' },
      json: { type: 'flag' },
      reporter: { type: 'string' },
      shard: { type: 'string' },
      coordinator: { type: 'string' },
      inventory: { type: 'string' },
      repeat: { type: 'string' },
    });
    if (a.positionals.length !== 1) throw new FleetlabError('USAGE', `expected one scenario file, got ${a.positionals.length === 0 ? 'none' : a.positionals.join(' ')}`);
    let seed: number | undefined;
    if (a.strings.seed !== undefined) {
      seed = Number(a.strings.seed);
      if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new FleetlabError('USAGE', `--seed '${a.strings.seed}': expected an integer 0..4294967295`);
    }
    if (a.strings.reporter !== undefined && a.strings.reporter !== 'tap') throw new FleetlabError('USAGE', `--reporter '${a.strings.reporter}': known reporters: tap`);
    if (a.strings.repeat !== undefined) return runRepeated(a, seed, io);
    const shard = a.strings.shard !== undefined ? parseShardSpec(a.strings.shard) : undefined;
    const coordinator = a.strings.coordinator ?? (process.env[COORDINATOR_ENV] || undefined);
    const shared = coordinator && a.strings.target === undefined ? await sharedTarget(coordinator) : null;
    return runScenario({
      file: a.positionals[0]!,
      params: parseKeyValues(a.lists.param, 'param'),
      target: shared?.target ?? a.strings.target,
      targetOptions: { ...shared?.targetOptions, ...parseTargetOptions(a.lists['target-opt']) },
      seed,
      shard,
      coordinator,
      thresholds: a.lists.threshold,
      ...(a.strings.inventory !== undefined ? { inventory: a.strings.inventory } : {}),
      out: a.strings.out,
      dryRun: a.flags['dry-run'] === true,
      json: a.flags.json === true,
      reporter: a.strings.reporter,
      stdout: io.stdout,
      stderr: io.stderr,
      signal: io.signal,
      abortReason: io.abortReason,
    });
  },
};
