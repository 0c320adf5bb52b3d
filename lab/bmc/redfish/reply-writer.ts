/**
 * Writes a handler's Reply (or an error reply) as the HTTP answer: JSON with the OData headers,
 * Content-Length, no body on 204 or HEAD. A reply after the socket went away is dropped.
 */
import type { ServerResponse } from 'node:http';
import type { Reply } from './handler-context.ts';

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8', 'OData-Version': '4.0', 'Cache-Control': 'no-cache' };

export function writeReply(res: ServerResponse, reply: Reply, head: boolean): void {
  if (res.headersSent || res.destroyed) return;
  const status = reply.status ?? 200;
  const headers: Record<string, string | number> = { ...JSON_HEADERS, ...reply.headers };
  if (status === 204 || reply.body === undefined) {
    delete headers['Content-Type'];
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  headers['Content-Length'] = Buffer.byteLength(text);
  res.writeHead(status, headers);
  res.end(head ? undefined : text);
}
