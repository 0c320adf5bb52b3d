/**
 * The run's view of sharding: the slice of the lab this shard runs, and what it needs to know of
 * the whole run (total nodes and sites) for its shard manifest (shard-manifest.ts).
 */
import type { Problems } from '../../lab/base/problem.ts';
import type { ResolvedLab } from '../../lab/config/lab-spec.ts';
import { sliceLab } from './slice-lab.ts';
import { shardLabel, type ShardSpec } from './shard-spec.ts';

export interface ShardOfRun {
  spec: ShardSpec;
  /** The unsharded run's size, for the merge (nodes of a shard that died). */
  totalNodes: number;
  totalSites: number;
  /** `--coordinator URL`: the shards meet there once their labs are up (shard-barrier.ts). */
  coordinator?: string;
}

/** The shard's lab; a shard that would get no site is a problem (more shards than sites). */
export function shardLab(lab: ResolvedLab, spec: ShardSpec, problems: Problems, coordinator?: string): { lab: ResolvedLab; shard: ShardOfRun } {
  const sliced = sliceLab(lab, spec);
  if (sliced.sites.length === 0) problems.add('shard', `shard ${shardLabel(spec)} gets no site: the lab has ${lab.sites.length} site(s) for ${spec.count} shards`);
  return { lab: sliced, shard: { spec, totalNodes: lab.nodes.length, totalSites: lab.sites.length, ...(coordinator ? { coordinator } : {}) } };
}
