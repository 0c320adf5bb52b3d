/** disk-write-failure: the selected nodes' next image write fails with an I/O error (once per activation and node). */
import { defineFault } from '../fault-plugin.ts';
import { checkKeys, validated } from './params.ts';
import { setNodeFields } from './node-field.ts';

export const diskWriteFailure = defineFault<Record<string, never>>({
  kind: 'disk-write-failure',
  scope: 'node',
  simOnly: true,
  summary: "selected nodes' next image write fails with an I/O error",
  validate: (params, path, problems) => validated(problems, () => (checkKeys(params, [], path, problems), {})),
  start: (ctx, targets) => setNodeFields(ctx.id, targets, { diskWriteFailure: true }),
});
