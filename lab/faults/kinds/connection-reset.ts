/** connection-reset: the selected nodes' HTTP connections are reset at request time (Toxiproxy reset_peer). */
import { defineFault } from '../fault-plugin.ts';
import { checkKeys, validated } from './params.ts';
import { setNodeFields } from './node-field.ts';

export const connectionReset = defineFault<Record<string, never>>({
  kind: 'connection-reset',
  scope: 'node',
  simOnly: true,
  summary: "selected nodes' HTTP requests are reset by peer",
  validate: (params, path, problems) => validated(problems, () => (checkKeys(params, [], path, problems), {})),
  start: (ctx, targets) => setNodeFields(ctx.id, targets, { httpReset: true }),
});
