/**
 * A shard's slice of a resolved lab: whole sites, round-robin by site index (site k goes to
 * shard k % N + 1, as `fleetlab suite --shard` deals runs), each with all its nodes.
 *
 *   resolveLab(spec, seed) ─▶ every site and node (names, MACs, UUIDs, addresses from global indices)
 *                          ─▶ keep sites with index % N == i - 1, and their nodes
 *
 * The slice is taken after the whole lab resolved, so a node keeps the name, MACs, UUID, subnet
 * and BMC address it has in the unsharded run, and the shards of one host never share an address.
 * Whole sites, because a site is one relay and one WAN link: splitting one would put a site's
 * nodes behind two relays with the same giaddr.
 */
import type { ResolvedLab } from '../../lab/config/lab-spec.ts';
import type { ShardSpec } from './shard-spec.ts';

export function sliceLab(lab: ResolvedLab, shard: ShardSpec): ResolvedLab {
  const mine = (siteIndex: number) => siteIndex % shard.count === shard.index - 1;
  return { ...lab, sites: lab.sites.filter((s) => mine(s.index)), nodes: lab.nodes.filter((n) => mine(n.siteIndex)) };
}
