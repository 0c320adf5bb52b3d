/**
 * fleetlab CLI entry: picks a subcommand, wires SIGINT/SIGTERM to an AbortSignal and maps
 * errors to stable codes and exit statuses (2 = bad input, 130 = SIGINT, 143 = SIGTERM); the
 * launcher's death counts as SIGTERM (parent-watch.ts).
 */
import { commands } from './commands/index.ts';
import type { CliIo, Command } from './command.ts';
import { ERRORS, isFleetlabError } from '../../lab/base/errors.ts';
import { describeVersion } from '../fleetlab-version.ts';
import { watchParents } from './parent-watch.ts';

export function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  // Longest name match first so `bmc serve` wins over a hypothetical `bmc`.
  const sorted = [...commands].sort((a, b) => b.name.length - a.name.length);
  for (const c of sorted) {
    if (c.name.every((w, i) => argv[i] === w)) return { command: c, rest: argv.slice(c.name.length) };
  }
  return undefined;
}

function usage(): string {
  const lines = ['usage: fleetlab <command> [options]   (fleetlab --version)', '', 'commands:'];
  for (const c of commands) lines.push(`  ${c.name.join(' ').padEnd(14)} ${c.summary}`);
  return lines.join('\n') + '\n';
}

export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  let reason: 'SIGINT' | 'SIGTERM' | undefined;
  const onSignal = (sig: 'SIGINT' | 'SIGTERM') => {
    if (reason) return; // a second signal while tearing down is ignored; teardown is bounded
    reason = sig;
    controller.abort(new Error(sig));
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  // `fleetlab report … | head`: a closed pipe ends output quietly instead of crashing.
  const onPipeError = (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  };
  process.stdout.on('error', onPipeError);
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  // The launcher died without passing a signal on (npx → sh → node): tear down as on SIGTERM.
  const stopWatch = watchParents(() => {
    process.stderr.write('fleetlab: the process that started fleetlab is gone; stopping as on SIGTERM\n');
    onTerm();
  });
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr, signal: controller.signal, abortReason: () => reason };
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      process.stdout.write(usage());
      return argv.length === 0 ? 2 : 0;
    }
    if (argv[0] === '--version' || argv[0] === '-V') {
      process.stdout.write(`fleetlab ${describeVersion()}\n`);
      return 0;
    }
    const found = findCommand(argv);
    if (!found) {
      process.stderr.write(`fleetlab: ${ERRORS.USAGE.code}: unknown command '${argv[0]}'\n\n${usage()}`);
      return 2;
    }
    if (found.rest.includes('--help') || found.rest.includes('-h')) {
      process.stdout.write(found.command.usage + '\n');
      return 0;
    }
    return await found.command.run(found.rest, io);
  } catch (e) {
    if (isFleetlabError(e)) {
      process.stderr.write(`fleetlab: ${e.code}: ${e.message}\n`);
      return e.def.exit ?? 1;
    }
    process.stderr.write(`fleetlab: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    stopWatch();
  }
}
