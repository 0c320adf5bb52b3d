/**
 * link-flap: the selected sites' links go down and up repeatedly: down for `down` (default half
 * the period) at the start of every `period`, up for the rest. One timer per activation (all
 * selected sites flap together), not one per site. Each outage is a sub-window
 * (`<id>/down#k` fault.start/stop pair) inside the activation's window.
 */
import { parseDurationOrMs } from '../../base/units.ts';
import { defineFault } from '../fault-plugin.ts';
import { checkKeys, validated } from './params.ts';

export const linkFlap = defineFault<{ periodMs: number; downMs: number }>({
  kind: 'link-flap',
  scope: 'site',
  summary: "selected sites' links go down for `down` every `period` (default half of it)",
  validate(params, path, problems) {
    const p = checkKeys(params, ['period', 'down'], path, problems);
    return validated(problems, () => {
      if (p.period === undefined) problems.add(`${path}.period`, "required: the flap period, e.g. '10s'");
      const periodMs = p.period === undefined ? 0 : (parseDurationOrMs(p.period, `${path}.period`, problems, '10s') ?? 0);
      const downMs = p.down === undefined ? periodMs / 2 : (parseDurationOrMs(p.down, `${path}.down`, problems, '2s') ?? 0);
      if (p.period !== undefined && periodMs <= 0) problems.add(`${path}.period`, 'must be > 0');
      if (p.down !== undefined && (downMs <= 0 || downMs >= periodMs)) problems.add(`${path}.down`, 'must be > 0 and shorter than the period');
      return { periodMs, downMs };
    });
  },
  start(ctx, targets, { periodMs, downMs }) {
    let cancel: (() => void) | undefined;
    let endOutage: (() => void) | undefined;
    let stopped = false;
    let k = 0;
    const down = () => {
      if (stopped) return;
      for (const s of targets.sites) s.link.addOverlay(ctx.id, { partition: 'both' });
      // Each outage is its own window in the log, so reports shade when links were really down.
      endOutage = ctx.subWindow(`down#${++k}`);
      cancel = ctx.clock.after(downMs, up);
    };
    const up = () => {
      if (stopped) return;
      for (const s of targets.sites) s.link.removeOverlay(ctx.id);
      endOutage?.();
      cancel = ctx.clock.after(periodMs - downMs, down);
    };
    down();
    return () => {
      stopped = true;
      cancel?.();
      for (const s of targets.sites) s.link.removeOverlay(ctx.id);
      endOutage?.();
    };
  },
});
