/**
 * A CLI subcommand. Each lives in its own file under harness/cli/commands/ and is listed once in
 * commands/index.ts. `run` returns the process exit code; it never calls process.exit itself so
 * teardown and log flushing always finish.
 */
export interface Command {
  /** Words that select it, e.g. ['run'] or ['bmc', 'serve']. */
  name: string[];
  summary: string;
  usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Aborted on SIGINT/SIGTERM; long-running commands tear down and return 130/143. */
  signal: AbortSignal;
  /** Which signal aborted, once one did. */
  abortReason(): 'SIGINT' | 'SIGTERM' | undefined;
}
