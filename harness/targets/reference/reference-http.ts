/**
 * Small HTTP helpers of the reference server: JSON bodies in (bounded, malformed → 400) and out,
 * plain text, and artifacts streamed with backpressure and an optional rate cap.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BLOCK, type Artifact } from '../common/artifacts.ts';
import { ERRORS } from '../../../lab/base/errors.ts';

export async function readJson(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > 1 << 20) {
      sendJson(res, 413, { error: { code: ERRORS.TARGET.code, message: 'body larger than 1 MiB' } });
      return undefined;
    }
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch (e) {
    sendJson(res, 400, { error: { code: ERRORS.TARGET.code, message: `body: malformed JSON: ${(e as Error).message}` } });
    return undefined;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.destroy();
  const b = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) }).end(b);
}

export function sendText(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) }).end(body);
}

/** Stream the repeated block with backpressure; optional per-response rate cap (bytes/s). */
export function streamArtifact(res: ServerResponse, a: Artifact, rateBps: number): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': a.bytes });
  let off = 0;
  const started = performance.now();
  const pump = () => {
    while (off < a.bytes) {
      if (rateBps > 0) {
        const due = started + (off / rateBps) * 1000;
        const now = performance.now();
        if (due > now + 1) {
          setTimeout(pump, due - now);
          return;
        }
      }
      const n = Math.min(BLOCK, a.bytes - off);
      off += n;
      if (!res.write(n === BLOCK ? a.block : a.block.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  res.on('error', () => undefined);
  pump();
}
