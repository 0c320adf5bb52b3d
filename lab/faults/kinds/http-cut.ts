/**
 * http-cut: the selected nodes' HTTP downloads are cut after `afterBytes` (Toxiproxy
 * limit_data): the transfer ends early and the node sees a short body / reset mid-stream.
 */
import { parseBytes } from '../../base/units.ts';
import { defineFault } from '../fault-plugin.ts';
import { checkKeys, validated } from './params.ts';
import { setNodeFields } from './node-field.ts';

export const httpCut = defineFault<{ afterBytes: number }>({
  kind: 'http-cut',
  scope: 'node',
  simOnly: true,
  summary: "selected nodes' HTTP downloads are cut after `afterBytes`",
  validate(params, path, problems) {
    const p = checkKeys(params, ['afterBytes'], path, problems);
    return validated(problems, () => {
      if (p.afterBytes === undefined) problems.add(`${path}.afterBytes`, "required: bytes before the cut, e.g. '1MiB'");
      return { afterBytes: p.afterBytes === undefined ? 0 : (parseBytes(p.afterBytes, `${path}.afterBytes`, problems) ?? 0) };
    });
  },
  start: (ctx, targets, { afterBytes }) => setNodeFields(ctx.id, targets, { httpCutAfterBytes: afterBytes }),
});
