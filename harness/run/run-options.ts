/** What `fleetlab run` passes to runScenario (harness/cli/commands/run.ts; bench/scale.ts calls it directly). */
import type { RunRequest } from './prepare-run.ts';

export type RunOutput = NodeJS.WritableStream & { isTTY?: boolean };

export interface RunOptions extends RunRequest {
  out?: string;
  dryRun: boolean;
  json: boolean;
  reporter?: string;
  stdout: RunOutput;
  stderr: RunOutput;
  signal: AbortSignal;
  abortReason(): 'SIGINT' | 'SIGTERM' | undefined;
}
