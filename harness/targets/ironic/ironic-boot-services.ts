/**
 * What an Ironic deployment gets from its surroundings, provided by fleetlab for a standalone
 * Ironic with `dhcp_provider=none`: DHCP + TFTP for the PXE ROM, an HTTP server for Ironic's
 * http_root (boot.ipxe, per-MAC configs, cached deploy kernel/ramdisk), the deploy ramdisk
 * artifacts Ironic downloads, and the instance images.
 *
 *   PXE ROM ─DHCP (relayed)─▶ fleetlab DHCP: file ipxe.efi | undionly.kpxe, next-server = TFTP
 *   iPXE    ─DHCP (user class iPXE)─▶ file http://…/ironic/boot.ipxe
 *   GET/HEAD /ironic/<path>   files Ironic wrote into http_root (symlinks followed)
 *   GET/HEAD /artifacts/<n>   deploy kernel/ramdisk, iPXE binaries (generated, known sha256)
 *   GET/HEAD /images/<n>      instance images (generated, known sha256)
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';
import { ArtifactStore, BLOCK, type Artifact } from '../common/artifacts.ts';
import { startDhcpServer, type DhcpSubnetConfig, type DhcpServer } from '../../../lab/proto/dhcp/dhcp-server.ts';
import { startTftpServer, type TftpServer } from '../../../lab/proto/tftp/tftp-server.ts';

export interface IronicBootServicesOptions {
  host?: string;
  subnets: DhcpSubnetConfig[];
  /** Ironic's [deploy] http_root; served under /ironic/. */
  httpRoot: string;
  /** Where iPXE chains to; default this server's /ironic/boot.ipxe (an external Ironic: its own). */
  ipxeScriptUrl?: string;
  bootFileBytes?: number;
}

export interface IronicBootServices {
  readonly httpUrl: string;
  /** URL of http_root as Ironic must be told ([deploy] http_url). */
  readonly httpRootUrl: string;
  readonly dhcp: { host: string; port: number };
  readonly tftp: { host: string; port: number };
  readonly artifacts: ArtifactStore;
  /** A generated artifact served at /artifacts/<name>; returns its URL. */
  artifact(name: string, bytes: number): { url: string; sha256: string; bytes: number };
  /** A generated instance image served at /images/<name>. */
  image(name: string, bytes: number): { url: string; sha256: string; bytes: number };
  dhcpServer: DhcpServer;
  close(): Promise<void>;
}

function stream(req: IncomingMessage, res: ServerResponse, a: Artifact): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': a.bytes });
  if (req.method === 'HEAD') return void res.end();
  let off = 0;
  const pump = () => {
    while (off < a.bytes) {
      const n = Math.min(BLOCK, a.bytes - off);
      off += n;
      if (!res.write(n === BLOCK ? a.block : a.block.subarray(0, n))) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
}

export async function startIronicBootServices(o: IronicBootServicesOptions): Promise<IronicBootServices> {
  const host = o.host ?? '127.0.0.1';
  const artifacts = new ArtifactStore();
  const bootBytes = o.bootFileBytes ?? 70_000;
  const efi = artifacts.define('ipxe.efi', bootBytes);
  const kpxe = artifacts.define('undionly.kpxe', bootBytes);
  const tftpFiles = new Map<string, Buffer>([
    ['ipxe.efi', artifacts.content(efi)],
    ['snponly.efi', artifacts.content(efi)],
    ['undionly.kpxe', artifacts.content(kpxe)],
  ]);
  const cleanup: (() => Promise<void>)[] = [];
  const close = async () => {
    while (cleanup.length) await cleanup.pop()!().catch(() => undefined);
  };
  const server = createServer(httpRoutes(artifacts, normalize(o.httpRoot)));
  server.keepAliveTimeout = 5000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port: 0, backlog: 1024 }, () => resolve());
    });
    cleanup.push(
      () =>
        new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        }),
    );
    const httpUrl = `http://${host}:${(server.address() as AddressInfo).port}`;
    const tftp: TftpServer = await startTftpServer({ host, port: 0, files: (n) => tftpFiles.get(n.replace(/^\/+/, '')) ?? null });
    cleanup.push(() => tftp.close());
    const ipxeScriptUrl = o.ipxeScriptUrl ?? `${httpUrl}/ironic/boot.ipxe`;
    const dhcp = await startDhcpServer({ host, port: 0, subnets: o.subnets, nextServer: host, tftpPort: tftp.address.port, bootFile: bootFileFor(httpUrl, ipxeScriptUrl) });
    cleanup.push(() => dhcp.close());
    const define = (name: string, bytes: number, top: 'artifacts' | 'images') => {
      const a = artifacts.define(top === 'images' ? `images/${name}` : name, Math.round(bytes));
      return { url: `${httpUrl}/${top}/${encodeURIComponent(name)}`, sha256: a.sha256, bytes: a.bytes };
    };
    return {
      httpUrl,
      httpRootUrl: `${httpUrl}/ironic`,
      dhcp: dhcp.address,
      tftp: tftp.address,
      artifacts,
      artifact: (n, b) => define(n, b, 'artifacts'),
      image: (n, b) => define(n, b, 'images'),
      dhcpServer: dhcp,
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** The boot file DHCP hands out: iPXE chains to the script, UEFI HTTP boot gets ipxe.efi by URL, PXE ROMs by TFTP. */
function bootFileFor(httpUrl: string, ipxeScriptUrl: string): Parameters<typeof startDhcpServer>[0]['bootFile'] {
  return (q) => {
    if (q.userClass === 'iPXE') return { file: ipxeScriptUrl };
    if (q.vendorClass.startsWith('HTTPClient')) return { file: `${httpUrl}/artifacts/ipxe.efi`, vendorClassEcho: 'HTTPClient' };
    return { file: q.arch === 7 || q.arch === 9 || q.arch === 6 ? 'ipxe.efi' : 'undionly.kpxe' };
  };
}

/** GET/HEAD /artifacts/<n>, /images/<n> (generated) and /ironic/<path> (files under http_root only). */
function httpRoutes(artifacts: ArtifactStore, root: string): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      const method = req.method ?? 'GET';
      if (method !== 'GET' && method !== 'HEAD') return void res.writeHead(405).end();
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const [, top, ...rest] = path.split('/');
      const name = rest.join('/');
      if (top === 'artifacts' || top === 'images') {
        const a = artifacts.get(top === 'images' ? `images/${name}` : name);
        if (!a) return void res.writeHead(404, { 'content-type': 'text/plain' }).end(`no ${top}/${name}\n`);
        return stream(req, res, a);
      }
      if (top === 'ironic') {
        const file = normalize(join(root, name));
        if (file !== root && !file.startsWith(root + sep)) return void res.writeHead(403).end();
        const data = await readFile(file).catch(() => null);
        if (!data) return void res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}\n`);
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': data.length });
        return void res.end(method === 'HEAD' ? undefined : data);
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`no route ${path}\n`);
    })().catch(() => res.destroy());
  };
}
