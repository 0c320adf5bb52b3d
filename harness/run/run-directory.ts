/**
 * A run's id (`<scenario>-<UTC yyyymmdd-hhmmss>-s<seed>`) and directory: `--out DIR`, else
 * reports/runs/<run-id>/ in the fleetlab checkout.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNS_DIR = fileURLToPath(new URL('../../reports/runs/', import.meta.url));

export function runIdOf(scenario: string, seed: number, start: Date): string {
  return `${scenario}-${stamp(start)}-s${seed}`;
}

export function runDirOf(out: string | undefined, runId: string): string {
  return resolve(out ?? resolve(RUNS_DIR, runId));
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}
