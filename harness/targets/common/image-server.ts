/**
 * An HTTP server for generated OS images (GET/HEAD /images/<name>, known sha256), for targets
 * whose server has no image store fleetlab can fill — an `external` server is told the image URL.
 * Listens on loopback where sim nodes reach it through their site links.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ImageRef } from '../target.ts';
import { ArtifactStore } from './artifacts.ts';
import { streamArtifact } from '../reference/reference-server.ts';

export interface ImageServer {
  readonly url: string;
  image(name: string, bytes: number): ImageRef;
  close(): Promise<void>;
}

export async function startImageServer(host = '127.0.0.1'): Promise<ImageServer> {
  const artifacts = new ArtifactStore();
  const server = createServer((req, res) => {
    const m = /^\/images\/([^/?]+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    const a = m ? artifacts.get(`images/${decodeURIComponent(m[1]!)}`) : undefined;
    if (!a || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(a ? 405 : 404).end();
      return;
    }
    if (req.method === 'HEAD') res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': a.bytes }).end();
    else streamArtifact(res, a, 0);
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: 0, backlog: 4096 }, () => resolve());
  });
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    url,
    image(name, bytes) {
      const a = artifacts.define(`images/${name}`, Math.round(bytes));
      return { name, url: `${url}/images/${encodeURIComponent(name)}`, sha256: a.sha256, bytes: a.bytes };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
