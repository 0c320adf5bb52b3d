/**
 * Request bodies, in two steps so that nothing is interpreted before the caller is authenticated
 * and the route known:
 *
 *   readBody:   POST/PATCH/PUT bytes ──▶ size cap (413, answered without reading the rest) ──▶ text
 *               other methods ──▶ drained, undefined
 *   decodeBody: text + Content-Type ──▶ media type (415) ──▶ JSON.parse (400) ──▶ object (400 if not)
 *
 * Content-Type: `application/json` (any parameters, e.g. charset) is required on a non-empty body
 * — a text/plain or form-encoded body is refused with 415 rather than acted on. A body with no
 * Content-Type at all is read as JSON: DSP0266 says clients shall send it, but minimal scripts
 * and some tools omit it, and there is no other media type it could be. An empty body is `{}`
 * whatever the header says (there is nothing to misread).
 */
import type { IncomingMessage } from 'node:http';
import { rfError } from './redfish-errors.ts';

/** Request bodies above this are refused (413); nothing legitimate comes close. */
export const MAX_BODY_BYTES = 1 << 20;

/** The body text of a write request; undefined for other methods (whose body is drained). */
export function readBody(req: IncomingMessage, method: string): Promise<string | undefined> {
  if (method !== 'POST' && method !== 'PATCH' && method !== 'PUT') {
    req.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      if (tooBig) return;
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        // Answer now and drop the connection after the answer (the rest of the body is never read).
        tooBig = true;
        chunks.length = 0;
        reject(rfError('BMC_PAYLOAD_TOO_LARGE', `request body exceeds ${MAX_BODY_BYTES} bytes`, { headers: { Connection: 'close' } }));
        return;
      }
      chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (!tooBig) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** The JSON object a handler sees: `{}` for no or an empty body; 415 / 400 otherwise. */
export function decodeBody(raw: string | undefined, contentType: string | undefined): unknown {
  const text = raw?.trim() ?? '';
  if (text === '') return {};
  const media = contentType?.split(';')[0]!.trim().toLowerCase();
  if (media !== undefined && media !== '' && media !== 'application/json')
    throw rfError('BMC_UNSUPPORTED_MEDIA_TYPE', `request body has Content-Type '${contentType}'; send it as application/json`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw rfError('BMC_MALFORMED_JSON', `request body is not JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw rfError('BMC_MALFORMED_JSON', 'request body must be a JSON object');
  return v;
}
