/**
 * link-degrade: the selected sites' links take other link parameters for the window
 * (any link profile fields or a preset: `{preset: 'satellite'}`, `{down: '1mbit', loss: '3%'}`).
 * Applied as an overlay, so it composes with other link faults and stops in any order.
 */
import { parseLinkInput, type LinkOverrides } from '../../net/link-spec.ts';
import { defineFault } from '../fault-plugin.ts';

export const linkDegrade = defineFault<LinkOverrides>({
  kind: 'link-degrade',
  scope: 'site',
  summary: 'WAN link of the selected sites gets other rates/latency/jitter/loss (link profile fields or a preset)',
  validate(params, path, problems) {
    if (params && typeof params === 'object' && Object.keys(params).length === 0) {
      problems.add(path, "give the link fields to change, e.g. {down: '1mbit', latency: '300ms'} or {preset: 'satellite'}");
      return undefined;
    }
    const o = parseLinkInput(params, path, problems);
    if (o) delete o.partition; // partitions are the partition fault's job
    return o;
  },
  start(ctx, targets, overrides) {
    for (const s of targets.sites) s.link.addOverlay(ctx.id, overrides);
    return () => {
      for (const s of targets.sites) s.link.removeOverlay(ctx.id);
    };
  },
});
