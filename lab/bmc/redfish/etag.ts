/**
 * ETags of Redfish resources: a weak tag hashed from the rendered body, and RFC 7232 If-Match
 * against it. Resources render, tag, and compare before a PATCH so a stale writer gets 412.
 */
import { createHash } from 'node:crypto';

/** Weak ETag of a resource body (without its own @odata.etag). */
export function etagOf(body: unknown): string {
  return `W/"${createHash('sha1').update(JSON.stringify(body)).digest('hex').slice(0, 16)}"`;
}

/** RFC 7232 If-Match against a weak tag: '*' matches; W/ prefixes are ignored on both sides. */
export function ifMatchOk(header: string | undefined, current: string): boolean {
  if (header === undefined) return true;
  const strip = (t: string) => t.trim().replace(/^W\//, '');
  const cur = strip(current);
  return header.split(',').some((t) => t.trim() === '*' || strip(t) === cur);
}
