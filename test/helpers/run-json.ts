/** Reads what the e2e rollout tests assert on: run.json's waves and nodes. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDetail } from '../../harness/rollout/wave-stats.ts';

export interface RunJson {
  status: string;
  waves: { t: number; wave: string; decision: string; nodes: number; detail?: string }[];
  nodes: { name: string; outcome: string; image?: string; provisionings: number; profile: string }[];
  thresholds: { name: string; ok: boolean; value: number | null }[];
  faults: { fault: string }[];
}

export function readRun(dir: string): RunJson {
  return JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunJson;
}

/** Wave names in start order and the decisions taken for each. */
export function decisions(run: RunJson): { order: string[]; of: (wave: string) => string[]; detail: (wave: string, decision: string) => Record<string, string | number> } {
  const order = run.waves.filter((w) => w.decision === 'start').map((w) => w.wave);
  return {
    order,
    of: (wave) => run.waves.filter((w) => w.wave === wave).map((w) => w.decision),
    detail: (wave, decision) => parseDetail(run.waves.find((w) => w.wave === wave && w.decision === decision)?.detail),
  };
}
