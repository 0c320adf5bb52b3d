/**
 * Which shard of a run this process is: `--shard i/N` (1-based, like `fleetlab suite --shard`) or
 * `--shard /N` with i from `JOB_COMPLETION_INDEX` (0-based, set by Kubernetes Indexed Jobs).
 *
 *   --shard 2/3                          → shard 2 of 3
 *   --shard /3  + JOB_COMPLETION_INDEX=1 → shard 2 of 3
 *   --shard 2/3 + JOB_COMPLETION_INDEX=0 → error (the two disagree)
 *
 * Kubernetes counts from 0 and suites count from 1; fleetlab always shows i/N 1-based, so the
 * pod with index 0 is shard 1/N.
 */
import { FleetlabError } from '../../lab/base/errors.ts';

export interface ShardSpec {
  /** 1-based. */
  index: number;
  count: number;
}

export const SHARD_INDEX_ENV = 'JOB_COMPLETION_INDEX';

/** Throws FLEETLAB_ERR_USAGE naming the flag or the variable that is wrong. */
export function parseShardSpec(raw: string, env: NodeJS.ProcessEnv = process.env): ShardSpec {
  const m = /^(\d*)\/(\d+)$/.exec(raw.trim());
  const count = Number(m?.[2]);
  if (!m || !(count >= 1)) throw new FleetlabError('USAGE', `--shard '${raw}': expected i/N or /N (N ≥ 1, i from ${SHARD_INDEX_ENV})`);
  const fromEnv = envIndex(env, count);
  const given = m[1] ? Number(m[1]) : undefined;
  if (given !== undefined && (given < 1 || given > count)) throw new FleetlabError('USAGE', `--shard '${raw}': expected 1 ≤ i ≤ ${count}`);
  if (given !== undefined && fromEnv !== undefined && given !== fromEnv) {
    throw new FleetlabError('USAGE', `--shard '${raw}' says shard ${given} but ${SHARD_INDEX_ENV}=${env[SHARD_INDEX_ENV]} says shard ${fromEnv} (0-based)`);
  }
  const index = given ?? fromEnv;
  if (index === undefined) throw new FleetlabError('USAGE', `--shard '${raw}': no shard index (give i/N or set ${SHARD_INDEX_ENV})`);
  return { index, count };
}

/** JOB_COMPLETION_INDEX (0-based) as a 1-based shard index; undefined when unset or empty. */
function envIndex(env: NodeJS.ProcessEnv, count: number): number | undefined {
  const v = env[SHARD_INDEX_ENV];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n >= count) throw new FleetlabError('USAGE', `${SHARD_INDEX_ENV}='${v}': expected an integer 0..${count - 1} for --shard /${count}`);
  return n + 1;
}

export function shardLabel(s: ShardSpec): string {
  return `${s.index}/${s.count}`;
}
