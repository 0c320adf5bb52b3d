/**
 * HTTP as a simulated node does it: from the node's own address, one connection per request
 * (firmware and installers rarely keep connections), every round trip and every byte through
 * the site link, with in-band faults (reset, cut after N bytes, corruption) applied here.
 *
 *   request ─▶ link.rtt() ─▶ http.request(localAddress=node ip) ─▶ chunks ─▶ link.take('down')
 *                                                                        └─▶ onChunk (hash, count)
 * Backpressure is real: while the link withholds tokens the socket is paused, so the server's
 * TCP send window fills exactly as behind a slow WAN.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { SiteLink } from '../../net/site-link.ts';
import type { NodeFaults } from '../../faults/fault-hooks.ts';
import { FleetlabError } from '../../base/errors.ts';

export interface NodeHttpOptions {
  method?: string;
  url: string;
  body?: Buffer | string;
  headers?: Record<string, string>;
  localAddress?: string;
  link: SiteLink;
  faults?: NodeFaults;
  signal?: AbortSignal;
  /** Called for each body chunk (after link pacing); when absent the body is collected. */
  onChunk?: (chunk: Buffer) => void;
  timeoutMs?: number;
  /** Max collected body size (scripts, JSON); larger bodies must use onChunk. */
  maxCollect?: number;
}

export interface NodeHttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: number;
  body: Buffer;
  ms: number;
}

const EMPTY = Buffer.alloc(0);

export async function nodeHttp(o: NodeHttpOptions): Promise<NodeHttpResult> {
  const started = performance.now();
  const wait = o.link.rtt();
  await wait;
  if (o.signal?.aborted) throw abortError(o.url);
  const u = new URL(o.url);
  const body = typeof o.body === 'string' ? Buffer.from(o.body) : o.body;
  if (body && body.length > 0) {
    const w = o.link.take('up', body.length);
    if (w) await w;
  }
  if (o.faults?.httpReset) throw new FleetlabError('HTTP_FETCH', `${o.url}: connection reset by peer (fault)`);
  const cutAfter = o.faults?.httpCutAfterBytes;
  const corrupt = o.faults?.corruptImage === true;
  const maxCollect = o.maxCollect ?? 4 * 1024 * 1024;

  return new Promise<NodeHttpResult>((resolve, reject) => {
    const mod = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = mod(
      u,
      {
        method: o.method ?? 'GET',
        headers: { 'user-agent': 'fleetlab-sim', ...(body ? { 'content-length': String(body.length) } : {}), ...o.headers },
        localAddress: o.localAddress,
        agent: false,
        signal: o.signal,
        rejectUnauthorized: false,
        timeout: o.timeoutMs ?? 60_000,
      },
      (res) => readResponse(res, o, { started, cutAfter, corrupt, maxCollect }, resolve, reject),
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => reject(o.signal?.aborted ? abortError(o.url) : new FleetlabError('HTTP_FETCH', `${o.method ?? 'GET'} ${o.url}: ${e.message}`)));
    req.end(body);
  });
}

/** What a response is read with: fault settings taken when the request started, and limits. */
interface ReadPlan {
  started: number;
  cutAfter: number | undefined;
  corrupt: boolean;
  maxCollect: number;
}

/** Read a response through the link (pausing the socket while it withholds tokens), applying in-band faults. */
function readResponse(res: IncomingMessage, o: NodeHttpOptions, plan: ReadPlan, resolve: (r: NodeHttpResult) => void, reject: (e: Error) => void): void {
  const { started, cutAfter, corrupt, maxCollect } = plan;
  let bytes = 0;
  const chunks: Buffer[] = [];
  let collected = 0;
  let done = false;
  const fail = (e: Error) => {
    if (done) return;
    done = true;
    res.destroy();
    reject(e);
  };
  res.on('data', (chunk: Buffer) => {
    if (done) return;
    let c = chunk;
    if (cutAfter !== undefined && bytes + c.length > cutAfter) {
      fail(new FleetlabError('HTTP_FETCH', `${o.url}: stream cut after ${cutAfter} bytes (fault)`));
      return;
    }
    if (corrupt && bytes === 0 && c.length > 0) {
      c = Buffer.from(c);
      c[0] = c[0]! ^ 0xff; // one flipped byte is enough to fail any checksum
    }
    bytes += c.length;
    if (o.onChunk) o.onChunk(c);
    else if (collected + c.length <= maxCollect) {
      chunks.push(c);
      collected += c.length;
    } else {
      fail(new FleetlabError('HTTP_FETCH', `${o.url}: body larger than ${maxCollect} bytes`));
      return;
    }
    const w = o.link.take('down', c.length);
    if (w) {
      res.pause();
      w.then(
        () => res.resume(),
        (e: unknown) => fail(e instanceof Error ? e : new Error(String(e))),
      );
    }
  });
  res.on('end', () => {
    if (done) return;
    done = true;
    resolve({
      status: res.statusCode ?? 0,
      headers: res.headers,
      bytes,
      body: chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
      ms: performance.now() - started,
    });
  });
  res.on('error', (e) => fail(new FleetlabError('HTTP_FETCH', `${o.url}: ${e.message}`)));
  res.on('aborted', () => fail(new FleetlabError('HTTP_FETCH', `${o.url}: response aborted after ${bytes} bytes`)));
}

function abortError(url: string): Error {
  const e = new Error(`${url}: aborted`);
  e.name = 'AbortError';
  return e;
}
