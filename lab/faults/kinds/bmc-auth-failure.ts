/** bmc-auth-failure: the selected nodes' BMCs refuse valid credentials (HTTP 401 / RAKP failure). */
import { defineFault } from '../fault-plugin.ts';
import { checkKeys, validated } from './params.ts';
import { setBmcFields } from './node-field.ts';

export const bmcAuthFailure = defineFault<Record<string, never>>({
  kind: 'bmc-auth-failure',
  scope: 'bmc',
  summary: "selected nodes' BMCs refuse valid credentials",
  validate: (params, path, problems) => validated(problems, () => (checkKeys(params, [], path, problems), {})),
  start: (ctx, targets) => setBmcFields(ctx.id, targets, { authFailure: true }),
});
