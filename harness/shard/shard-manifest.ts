/**
 * `shard.json` in a shard's run directory, written before anything starts: which shard of which
 * run this is and every node it owns. `fleetlab merge` reads it to tell shards of one run apart
 * from unrelated runs and to account for the nodes of a shard that died before it logged them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { FleetlabError } from '../../lab/base/errors.ts';
import type { ResolvedLab } from '../../lab/config/lab-spec.ts';
import type { ShardOfRun } from './shard-lab.ts';

export const SHARD_MANIFEST = 'shard.json';

const ShardManifestSchema = z.object({
  shard: z.object({ index: z.number().int().min(1), count: z.number().int().min(1) }),
  runId: z.string(),
  scenario: z.string(),
  seed: z.number(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  totalNodes: z.number().int(),
  totalSites: z.number().int(),
  sites: z.array(z.string()),
  nodes: z.array(z.object({ name: z.string(), site: z.string(), profile: z.string(), macs: z.array(z.string()), bmc: z.string() })),
});
export type ShardManifest = z.infer<typeof ShardManifestSchema>;

export interface ShardManifestInput {
  runId: string;
  scenario: string;
  seed: number;
  params: ShardManifest['params'];
  lab: ResolvedLab;
  shard: ShardOfRun;
}

export function writeShardManifest(runDir: string, r: ShardManifestInput): void {
  const m: ShardManifest = {
    shard: r.shard.spec,
    runId: r.runId,
    scenario: r.scenario,
    seed: r.seed,
    params: r.params,
    totalNodes: r.shard.totalNodes,
    totalSites: r.shard.totalSites,
    sites: r.lab.sites.map((s) => s.name),
    nodes: r.lab.nodes.map((n) => ({ name: n.name, site: n.site, profile: n.profile.name, macs: n.macs, bmc: n.bmc.id })),
  };
  writeFileSync(join(runDir, SHARD_MANIFEST), JSON.stringify(m) + '\n');
}

/** Throws FLEETLAB_ERR_MERGE_INVALID naming the directory when shard.json is missing or malformed. */
export function readShardManifest(runDir: string): ShardManifest {
  const file = join(runDir, SHARD_MANIFEST);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new FleetlabError('MERGE_INVALID', `${file}: not a shard run directory (${(e as Error).message}); run shards with fleetlab run --shard i/N`);
  }
  const r = ShardManifestSchema.safeParse(raw);
  if (!r.success) throw new FleetlabError('MERGE_INVALID', `${file}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}
