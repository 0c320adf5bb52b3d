/** dhcp-drop: the selected nodes lose `rate` (default 100 %) of their DHCP packets, both ways. */
import { parseShare } from '../../base/units.ts';
import { defineFault } from '../fault-plugin.ts';
import { checkKeys, validated } from './params.ts';
import { setNodeFields } from './node-field.ts';

export const dhcpDrop = defineFault<{ rate: number }>({
  kind: 'dhcp-drop',
  scope: 'node',
  simOnly: true,
  summary: 'selected nodes drop `rate` of their DHCP packets (default 100 %)',
  validate(params, path, problems) {
    const p = checkKeys(params, ['rate'], path, problems);
    return validated(problems, () => ({ rate: p.rate === undefined ? 1 : (parseShare(p.rate, `${path}.rate`, problems) ?? 0) }));
  },
  start: (ctx, targets, { rate }) => setNodeFields(ctx.id, targets, { dhcpDropRate: rate }),
});
