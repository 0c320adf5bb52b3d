/**
 * `fleetlab serve coordinator`: the shard coordinator alone (harness/shard/coordinator.ts), for
 * shards that each run their own target, e.g. the pods of `fleetlab k8s render`'s Indexed Job.
 * Prints {"coordinator": URL} on one line when ready and serves until SIGINT/SIGTERM.
 */
import type { Command } from '../command.ts';
import { intOption, parseArgs } from '../parse-args.ts';
import { FleetlabError } from '../../../lab/base/errors.ts';
import { startCoordinator } from '../../shard/coordinator.ts';

export const serveCoordinatorCommand: Command = {
  name: ['serve', 'coordinator'],
  summary: 'serve the shard coordinator (barriers) for shards that run their own targets',
  usage: `usage: fleetlab serve coordinator [--host H] [--port P]

  --host H   listen address (default 127.0.0.1; 0.0.0.0 behind a Kubernetes Service)
  --port P   port (default 0: any free port)`,
  async run(argv, io) {
    const a = parseArgs(argv, { host: { type: 'string' }, port: { type: 'string' } });
    if (a.positionals.length > 0) throw new FleetlabError('USAGE', `unexpected argument '${a.positionals[0]}'`);
    const c = await startCoordinator({ host: a.strings.host ?? '127.0.0.1', port: intOption(a.strings.port, 'port', 0, 0, 65535), target: null });
    try {
      io.stdout.write(JSON.stringify({ coordinator: c.url }) + '\n');
      await new Promise<void>((resolve) => {
        if (io.signal.aborted) resolve();
        else io.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      await c.close();
    }
    return 0;
  },
};
