/** bmc-slow: the selected nodes' BMCs answer every request `delay` late. */
import { parseDurationOrMs } from '../../base/units.ts';
import { defineFault } from '../fault-plugin.ts';
import { checkKeys, validated } from './params.ts';
import { setBmcFields } from './node-field.ts';

export const bmcSlow = defineFault<{ delayMs: number }>({
  kind: 'bmc-slow',
  scope: 'bmc',
  summary: "selected nodes' BMCs answer `delay` late",
  validate(params, path, problems) {
    const p = checkKeys(params, ['delay'], path, problems);
    return validated(problems, () => {
      if (p.delay === undefined) problems.add(`${path}.delay`, "required: added latency per request, e.g. '2s'");
      return { delayMs: p.delay === undefined ? 0 : (parseDurationOrMs(p.delay, `${path}.delay`, problems, '2s') ?? 0) };
    });
  },
  start: (ctx, targets, { delayMs }) => setBmcFields(ctx.id, targets, { slowMs: delayMs }),
});
