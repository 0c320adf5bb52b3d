/**
 * The labels a rollout selects sites and nodes by, derived the same way at plan time (dry run,
 * from the resolved spec) and at run time (from the running lab), so `--dry-run` shows exactly
 * the waves a run will take.
 *
 *   site labels  = spec labels (region, …) + site (name) + link (the site's WAN preset)
 *   node labels  = site labels + the profile's labels + profile (hardware profile name) + node
 */
import type { LinkProfile } from '../../lab/net/link-spec.ts';

/** The `link` label of a site: its preset name, 'ideal' (no shaping) or 'custom' (no preset). */
export function linkLabel(p: LinkProfile | undefined): string {
  if (!p) return 'ideal';
  if (p.preset !== undefined) return p.preset;
  const ideal = p.downBps === Infinity && p.upBps === Infinity && p.latencyMs === 0 && p.jitterMs === 0 && p.partition === 'none' && (p.loss.kind !== 'random' || p.loss.rate === 0);
  return ideal ? 'ideal' : 'custom';
}
