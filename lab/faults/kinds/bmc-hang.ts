/** bmc-hang: the selected nodes' BMCs accept requests but never answer (Redfish and IPMI). */
import { defineFault } from '../fault-plugin.ts';
import { checkKeys, validated } from './params.ts';
import { setBmcFields } from './node-field.ts';

export const bmcHang = defineFault<Record<string, never>>({
  kind: 'bmc-hang',
  scope: 'bmc',
  summary: "selected nodes' BMCs stop answering",
  validate: (params, path, problems) => validated(problems, () => (checkKeys(params, [], path, problems), {})),
  start: (ctx, targets) => setBmcFields(ctx.id, targets, { hang: true }),
});
