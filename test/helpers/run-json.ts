/** Reads what the e2e tests assert on: run.json (waves, nodes, config) and the event log. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDetail } from '../../harness/rollout/wave-stats.ts';

export interface RunJson {
  status: string;
  config: { runId: string; testbed: { tier: string } };
  waves: { t: number; wave: string; decision: string; nodes: number; detail?: string }[];
  nodes: { name: string; site: string; outcome: string; image?: string; provisionings: number; profile: string; phases: Record<string, number> }[];
  thresholds: { name: string; ok: boolean; value: number | null }[];
  faults: { fault: string }[];
}

export function readRun(dir: string): RunJson {
  return JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunJson;
}

/** A logged event as the tests read it: kind and run time, the rest by name. */
export interface LoggedEvent {
  t: number;
  kind: string;
  [k: string]: unknown;
}

/** events.ndjson of a run directory, one object per line (narrow `E` where a test knows more). */
export function readEvents<E = LoggedEvent>(dir: string): E[] {
  return readFileSync(join(dir, 'events.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as E);
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
