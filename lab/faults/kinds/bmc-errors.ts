/**
 * bmc-errors: the selected nodes' BMCs answer `rate` of requests (default 100 %) with an error:
 * HTTP `status` (500 or 503, default 500) on Redfish, and the IPMI completion code the error
 * registry maps it to (500 → 0xFF unspecified, 503 → 0xC0 node busy).
 */
import { parseShare } from '../../base/units.ts';
import { describeValue } from '../../base/values.ts';
import { defineFault } from '../fault-plugin.ts';
import { checkKeys, validated } from './params.ts';
import { setBmcFields } from './node-field.ts';

export const bmcErrors = defineFault<{ rate: number; status: number }>({
  kind: 'bmc-errors',
  scope: 'bmc',
  summary: "selected nodes' BMCs answer `rate` of requests with HTTP `status` 500/503 (IPMI 0xFF/0xC0)",
  validate(params, path, problems) {
    const p = checkKeys(params, ['rate', 'status'], path, problems);
    return validated(problems, () => {
      const rate = p.rate === undefined ? 1 : (parseShare(p.rate, `${path}.rate`, problems) ?? 0);
      const status = p.status ?? 500;
      if (status !== 500 && status !== 503) problems.add(`${path}.status`, `expected 500 or 503, got ${describeValue(status)}`);
      return { rate, status: status as number };
    });
  },
  start: (ctx, targets, { rate, status }) => setBmcFields(ctx.id, targets, { errorRate: rate, errorStatus: status }),
});
