/**
 * loss-burst: the selected sites' links lose `loss` of their datagrams for the window (default
 * 30 %), in bursts of `meanBurst` packets on average (Gilbert-Elliott; 1 = independent drops).
 */
import { burstLoss, type LossModel } from '../../net/link-spec.ts';
import { parseNumberField, parseShare } from '../../base/units.ts';
import { defineFault } from '../fault-plugin.ts';
import { checkKeys, validated } from './params.ts';

export const lossBurst = defineFault<{ loss: LossModel }>({
  kind: 'loss-burst',
  scope: 'site',
  summary: "selected sites' links drop `loss` of datagrams (default 30 %), in bursts of `meanBurst` packets",
  validate(params, path, problems) {
    const p = checkKeys(params, ['loss', 'meanBurst'], path, problems);
    return validated(problems, () => {
      const loss = p.loss === undefined ? 0.3 : (parseShare(p.loss, `${path}.loss`, problems) ?? 0);
      const meanBurst = p.meanBurst === undefined ? 1 : (parseNumberField(p.meanBurst, `${path}.meanBurst`, problems, 'packets', 1) ?? 1);
      return { loss: meanBurst <= 1 ? { kind: 'random' as const, rate: loss } : burstLoss(loss, meanBurst) };
    });
  },
  start(ctx, targets, { loss }) {
    for (const s of targets.sites) s.link.addOverlay(ctx.id, { loss });
    return () => {
      for (const s of targets.sites) s.link.removeOverlay(ctx.id);
    };
  },
});
