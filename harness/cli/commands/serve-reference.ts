/**
 * `fleetlab serve reference <scenario.ts>`: one reference server for every shard of a run, and
 * the coordinator shards find it through (harness/shard/shared-reference.ts). Prints one JSON
 * line when ready and serves until SIGINT/SIGTERM.
 */
import type { Command } from '../command.ts';
import { intOption, parseArgs, parseKeyValues } from '../parse-args.ts';
import { FleetlabError } from '../../../lab/base/errors.ts';
import { prepareRun } from '../../run/prepare-run.ts';
import { startSharedReference } from '../../shard/shared-reference.ts';

export const serveReferenceCommand: Command = {
  name: ['serve', 'reference'],
  summary: 'serve one reference target (+ shard coordinator) for every shard of a run',
  usage: `usage: fleetlab serve reference <scenario.ts> [--param k=v]... [--seed N] [--host H] [--port P]

  Resolves the scenario's whole lab (same --param and --seed as the shards), serves DHCP/TFTP/HTTP
  for every site, and a coordinator on --port that 'fleetlab run --shard i/N --coordinator URL'
  asks for the target. Prints {"coordinator","api","dhcp","tftp"} on one line when ready.

  --host H   address everything listens on (default 127.0.0.1)
  --port P   coordinator port (default 0: any free port)`,
  async run(argv, io) {
    const a = parseArgs(argv, { param: { type: 'list' }, seed: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' } });
    if (a.positionals.length !== 1) throw new FleetlabError('USAGE', `expected one scenario file, got ${a.positionals.length === 0 ? 'none' : a.positionals.join(' ')}`);
    const seed = a.strings.seed === undefined ? undefined : intOption(a.strings.seed, 'seed', 0, 0, 0xffffffff);
    const port = intOption(a.strings.port, 'port', 0, 0, 65535);
    // The target is not started here, only validated as the reference (its options are the shards').
    const run = await prepareRun({ file: a.positionals[0]!, params: parseKeyValues(a.lists.param, 'param'), target: 'reference', targetOptions: {}, ...(seed !== undefined ? { seed } : {}) });
    const served = await startSharedReference({ lab: run.lab, host: a.strings.host ?? '127.0.0.1', port });
    try {
      io.stdout.write(JSON.stringify({ coordinator: served.coordinator, api: served.api, dhcp: served.dhcp, tftp: served.tftp, sites: run.lab.sites.length, nodes: run.lab.nodes.length }) + '\n');
      await new Promise<void>((resolve) => {
        if (io.signal.aborted) resolve();
        else io.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      await served.close();
    }
    return 0;
  },
};
