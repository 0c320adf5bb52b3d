/**
 * Request bodies: read at most MAX_BODY_BYTES (413 beyond, answered without reading the rest) and
 * decode them as the JSON object every Redfish write carries.
 *
 *   POST/PATCH/PUT bytes ──▶ size cap (413) ──▶ trimmed text ──▶ JSON.parse (400) ──▶ object (400 if not)
 *   other methods ──▶ drained, {}
 */
import type { IncomingMessage } from 'node:http';
import { rfError } from './redfish-errors.ts';

/** Request bodies above this are refused (413); nothing legitimate comes close. */
export const MAX_BODY_BYTES = 1 << 20;

/** The parsed body of a write request; `{}` for other methods and for an empty body. */
export function readBody(req: IncomingMessage, method: string): Promise<unknown> {
  if (method !== 'POST' && method !== 'PATCH' && method !== 'PUT') {
    req.resume();
    return Promise.resolve({});
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
      if (tooBig) return;
      try {
        resolve(decodeJsonObject(Buffer.concat(chunks).toString('utf8')));
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** `{}` for an empty body; throws MalformedJSON for anything but one JSON object. */
function decodeJsonObject(raw: string): unknown {
  const text = raw.trim();
  if (text === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw rfError('BMC_MALFORMED_JSON', `request body is not JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw rfError('BMC_MALFORMED_JSON', 'request body must be a JSON object');
  return v;
}
