/** `fleetlab merge DIR…`: shard run directories → one run directory (harness/shard/merge-runs.ts). */
import type { Command } from '../command.ts';
import { parseArgs } from '../parse-args.ts';
import { FleetlabError } from '../../../lab/base/errors.ts';
import { mergeShardRuns } from '../../shard/merge-runs.ts';

export const mergeCommand: Command = {
  name: ['merge'],
  summary: 'merge the run directories of a run\'s shards (fleetlab run --shard) into one run',
  usage: `usage: fleetlab merge <shard-run-dir>... --out DIR [--json]

  Reads each shard's shard.json and events.ndjson, puts every event on one time axis (each
  shard's wall-clock start), and writes DIR/events.ndjson, run.json, junit.xml, metrics.csv,
  report.html and shards.json. A shard whose log has no run.end died: the report says so and its
  unfinished nodes stay unfinished; a shard with no directory is reported missing.

  --out DIR   the merged run directory (required)
  --json      print the merged run's JSON summary (as fleetlab run --json) plus "shards"

exit: 0 every shard passed, 1 a shard failed, died or is missing, 2 bad input`,
  async run(argv, io) {
    const a = parseArgs(argv, { out: { type: 'string' }, json: { type: 'flag' } });
    if (a.positionals.length === 0) throw new FleetlabError('USAGE', 'expected shard run directories');
    if (a.strings.out === undefined) throw new FleetlabError('USAGE', '--out DIR is required (the merged run directory)');
    const r = await mergeShardRuns(a.positionals, a.strings.out);
    if (a.flags.json === true) io.stdout.write(JSON.stringify({ ...r.summary, shards: r.shards }) + '\n');
    else {
      for (const s of r.shards) io.stderr.write(`fleetlab: shard ${s.shard}: ${s.status}${s.dir ? ` (${s.dir}, ${s.nodes} nodes)` : ''}\n`);
      io.stdout.write(r.text);
    }
    return r.status === 'passed' ? 0 : 1;
  },
};
