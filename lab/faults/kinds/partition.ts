/**
 * partition: cut the selected sites' WAN links, both ways or one way ('up' = site → core only,
 * 'down' = core → site only). Streams stall until healed; UDP in the cut direction is dropped.
 */
import type { PartitionMode } from '../../net/link-spec.ts';
import { describeValue } from '../../base/values.ts';
import { defineFault } from '../fault-plugin.ts';
import { checkKeys, validated } from './params.ts';

type Dir = Exclude<PartitionMode, 'none'>;

export const partition = defineFault<{ direction: Dir }>({
  kind: 'partition',
  scope: 'site',
  summary: "cut the selected sites' WAN links (direction both | up | down)",
  validate(params, path, problems) {
    const p = checkKeys(params, ['direction'], path, problems);
    return validated(problems, () => {
      const d = p.direction ?? 'both';
      if (d !== 'both' && d !== 'up' && d !== 'down') problems.add(`${path}.direction`, `expected both, up or down, got ${describeValue(d)}`);
      return { direction: d as Dir };
    });
  },
  start(ctx, targets, { direction }) {
    for (const s of targets.sites) s.link.addOverlay(ctx.id, { partition: direction });
    return () => {
      for (const s of targets.sites) s.link.removeOverlay(ctx.id);
    };
  },
});
