/**
 * Test helper: the smallest provisioning target a qemu VM can PXE-boot from — the reference
 * DHCP server (relay-aware) on host loopback plus an HTTP server with an iPXE script, the real
 * boot payload, one image and a callback endpoint. URLs point at the site's CORE address.
 */
import { createServer, type Server } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { startDhcpServer, type DhcpServer, type DhcpSubnetConfig } from '../../../../lab/proto/dhcp/dhcp-server.ts';
import type { BootPayload } from '../../../../lab/nodes/qemu/boot-payload/build.ts';
import { CORE_ADDR } from '../../../../lab/net/netns/naming.ts';

export interface MiniTarget {
  dhcp: DhcpServer;
  http: Server;
  httpPort: number;
  image: { name: string; bytes: number; sha256: string; url: string };
  callbacks: { node: string; body: Record<string, unknown> }[];
  /** MACs with a deploy pending (others get `exit` = boot local disk). */
  deploy: Set<string>;
  close(): Promise<void>;
}

export async function startMiniTarget(o: { payload: BootPayload; subnets: DhcpSubnetConfig[]; imageBytes: number }): Promise<MiniTarget> {
  const block = Buffer.alloc(65536);
  for (let i = 0; i < block.length; i++) block[i] = (i * 131 + 7) & 255;
  const h = createHash('sha256');
  for (let off = 0; off < o.imageBytes; off += block.length) h.update(block.subarray(0, Math.min(block.length, o.imageBytes - off)));
  const callbacks: MiniTarget['callbacks'] = [];
  const deploy = new Set<string>();
  let port = 0;
  const base = () => `http://${CORE_ADDR}:${port}`;
  const image = { name: 'test-os-1', bytes: o.imageBytes, sha256: h.digest('hex'), url: '' };
  const http = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const file = (p: string) => {
      res.writeHead(200, { 'content-length': statSync(p).size });
      createReadStream(p).pipe(res);
    };
    if (url.pathname === '/boot.ipxe') return void res.end('#!ipxe\nchain ' + base() + '/ipxe/${mac:hexhyp}\n');
    if (url.pathname.startsWith('/ipxe/')) {
      const mac = url.pathname.slice(6).replace(/-/g, ':');
      if (!deploy.has(mac)) return void res.end('#!ipxe\necho no deploy\nexit\n');
      return void res.end(`#!ipxe\nkernel ${base()}/vmlinuz fleetlab.image=${image.url} fleetlab.sha256=${image.sha256} fleetlab.callback=${base()}/callback/${mac} fleetlab.name=${image.name} console=ttyS0 quiet\ninitrd ${base()}/initrd.img\nboot\n`);
    }
    if (url.pathname === '/vmlinuz') return file(o.payload.vmlinuz);
    if (url.pathname === '/initrd.img') return file(o.payload.initrd);
    if (url.pathname === '/images/test-os-1') {
      res.writeHead(200, { 'content-length': o.imageBytes });
      let left = o.imageBytes;
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, block.length);
          left -= n;
          if (!res.write(block.subarray(0, n))) return void res.once('drain', pump);
        }
        res.end();
      };
      return pump();
    }
    if (req.method === 'POST' && url.pathname.startsWith('/callback/')) {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const mac = url.pathname.slice(10);
        try {
          callbacks.push({ node: mac, body: JSON.parse(body) as Record<string, unknown> });
        } catch {
          callbacks.push({ node: mac, body: { raw: body } });
        }
        deploy.delete(mac);
        res.writeHead(200).end('{"ok":true}');
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  port = (http.address() as AddressInfo).port;
  image.url = `${base()}/images/test-os-1`;
  const dhcp = await startDhcpServer({
    host: '127.0.0.1',
    port: 0,
    subnets: o.subnets,
    nextServer: CORE_ADDR,
    bootFile: (q) => (q.userClass === 'iPXE' ? { file: `${base()}/boot.ipxe` } : { file: 'undionly.kpxe' }),
  });
  return {
    dhcp,
    http,
    httpPort: port,
    image,
    callbacks,
    deploy,
    async close() {
      await dhcp.close();
      await new Promise<void>((r) => {
        http.close(() => r());
        http.closeAllConnections();
      });
    },
  };
}
