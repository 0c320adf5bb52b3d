/** image-corruption: bytes of the selected nodes' image downloads are flipped so the checksum fails. */
import { defineFault } from '../fault-plugin.ts';
import { checkKeys, validated } from './params.ts';
import { setNodeFields } from './node-field.ts';

export const imageCorruption = defineFault<Record<string, never>>({
  kind: 'image-corruption',
  scope: 'node',
  simOnly: true,
  summary: "selected nodes' image downloads arrive corrupted (checksum mismatch)",
  validate: (params, path, problems) => validated(problems, () => (checkKeys(params, [], path, problems), {})),
  start: (ctx, targets) => setNodeFields(ctx.id, targets, { corruptImage: true }),
});
