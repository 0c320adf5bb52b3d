/**
 * Redfish query parameters. The emulator implements none of them (DSP0266 query parameters:
 * `$expand`, `$select`, `$filter`, `$top`, `$skip`, and `only`, `excerpt`), so it says so in the
 * service root's ProtocolFeaturesSupported — built here, from the same fact — and answers any
 * `$` parameter with 501 QueryNotSupported instead of ignoring it and returning the whole
 * resource as if it had been applied. Parameters without `$` are ignored, as DSP0266 requires.
 */
import { rfError } from './redfish-errors.ts';

/** ServiceRoot.ProtocolFeaturesSupported: every query feature off, consistent with the check below. */
export const PROTOCOL_FEATURES = {
  ExpandQuery: { ExpandAll: false, Levels: false, Links: false, NoLinks: false, MaxLevels: 0 },
  FilterQuery: false,
  SelectQuery: false,
  OnlyMemberQuery: false,
  ExcerptQuery: false,
  TopSkipQuery: false,
} as const;

/** Throws 501 QueryNotSupported when the URL's query string has a `$` parameter. */
export function rejectUnsupportedQuery(url: string): void {
  const q = url.indexOf('?');
  if (q < 0) return;
  for (const name of new URLSearchParams(url.slice(q + 1)).keys()) {
    if (name.startsWith('$')) throw rfError('BMC_QUERY_UNSUPPORTED', `query parameter '${name}' is not supported (ProtocolFeaturesSupported lists none)`);
  }
}
