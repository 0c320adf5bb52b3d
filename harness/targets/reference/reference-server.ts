/**
 * The reference provisioning server: a small, correct stand-in for a real PXE provisioning
 * stack, started in-process so `fleetlab run` works on any machine. Not a product.
 *
 *   DHCP (relay-aware) ─▶ TFTP undionly.kpxe / ipxe.efi ─▶ iPXE DHCP ─▶ GET /boot.ipxe
 *   ─▶ GET /ipxe/<mac-hexhyp>: kernel+initrd with fleetlab.image/sha256/callback (when provisioning)
 *                              or `exit` (boot the local disk)
 *   ─▶ installer downloads /images/<name> ─▶ POST /callback/<node> ─▶ node `active`
 *
 * REST: POST /nodes, GET /nodes, GET /nodes/{id}, POST /nodes/{id}/provision {image},
 *       POST /nodes/{id}/deprovision, DELETE /nodes/{id}.
 * Provision = Redfish PATCH Boot Pxe/Once + Reset On (or ForceRestart when on).
 */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { ArtifactStore, BLOCK, type Artifact } from '../common/artifacts.ts';
import { startDhcpServer, type DhcpServer, type DhcpSubnetConfig, type DhcpServerEvent } from '../../../lab/proto/dhcp/dhcp-server.ts';
import { startTftpServer } from '../../../lab/proto/tftp/tftp-server.ts';
import { pxeBootOnce, powerOff, type RedfishTarget } from './redfish-power.ts';
import { ERRORS } from '../../../lab/base/errors.ts';

export type RefNodeState = 'enrolled' | 'provisioning' | 'installing' | 'active' | 'deprovisioning' | 'failed';

export interface RefImage {
  name: string;
  url: string;
  sha256: string;
  bytes: number;
}

export interface RefNode {
  id: string;
  macs: string[];
  firmware: 'bios' | 'uefi';
  bmc: RedfishTarget;
  state: RefNodeState;
  image: RefImage | null;
  lastError: string | null;
  /** Wall-clock ms of each transition, for GET /nodes/{id}. */
  timestamps: Partial<Record<RefNodeState | 'scriptServed' | 'callback', number>>;
}

export interface ReferenceServerOptions {
  host?: string;
  dhcpPort?: number;
  tftpPort?: number;
  httpPort?: number;
  subnets: DhcpSubnetConfig[];
  bootFileBytes?: number;
  kernelBytes?: number;
  initrdBytes?: number;
  /** Per-response HTTP rate cap in bytes/s for /images (0 = unlimited): throttled-server experiments. */
  imageRateBps?: number;
  onDhcpEvent?: (e: DhcpServerEvent) => void;
  /**
   * qemu-tier sites (lab/net/netns): their VMs reach this server as `coreAddr` (DNAT to loopback)
   * and boot the real payload (lab/nodes/qemu/boot-payload) instead of the generated kernel/initrd.
   */
  qemu?: { coreAddr: string; relays: string[]; vmlinuz: string; initrd: string };
}

export interface ReferenceServer {
  http: { host: string; port: number; url: string };
  dhcp: { host: string; port: number };
  tftp: { host: string; port: number };
  nodes: Map<string, RefNode>;
  artifacts: ArtifactStore;
  /** Subscribe to node state transitions. */
  watch(cb: (node: RefNode) => void): () => void;
  /** Define a generated image served at /images/<name>. */
  image(name: string, bytes: number): RefImage;
  leases: DhcpServer['leases'];
  close(): Promise<void>;
}

const hexhyp = (mac: string) => mac.toLowerCase().replace(/:/g, '-');

export async function startReferenceServer(o: ReferenceServerOptions): Promise<ReferenceServer> {
  const host = o.host ?? '127.0.0.1';
  const artifacts = new ArtifactStore();
  const bootBytes = o.bootFileBytes ?? 70_000;
  const kpxe = artifacts.define('undionly.kpxe', bootBytes);
  const efi = artifacts.define('ipxe.efi', bootBytes);
  const kernel = artifacts.define('vmlinuz', o.kernelBytes ?? 128 * 1024);
  const initrd = artifacts.define('initrd.img', o.initrdBytes ?? 256 * 1024);
  const tftpFiles = new Map<string, Buffer>([
    ['undionly.kpxe', artifacts.content(kpxe)],
    ['ipxe.efi', artifacts.content(efi)],
    ['snponly.efi', artifacts.content(efi)],
  ]);
  const nodes = new Map<string, RefNode>();
  const byMac = new Map<string, RefNode>();
  const watchers = new Set<(n: RefNode) => void>();
  const cleanup: (() => Promise<void>)[] = [];

  const transition = (n: RefNode, s: RefNodeState, err: string | null = null) => {
    n.state = s;
    n.timestamps[s] = Date.now();
    if (err !== null) n.lastError = err;
    for (const w of watchers) w(n);
  };

  try {
    // HTTP first: DHCP answers point iPXE at it.
    let httpUrl = '';
    const server: Server = createServer((req, res) => {
      handle(req, res).catch((e: unknown) => sendJson(res, 500, { error: { code: ERRORS.TARGET.code, message: String(e) } }));
    });
    server.keepAliveTimeout = 5000;
    server.maxConnections = 0x7fffffff;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port: o.httpPort ?? 0, backlog: 4096 }, () => resolve());
    });
    const httpPort = (server.address() as AddressInfo).port;
    httpUrl = `http://${host}:${httpPort}`;
    cleanup.push(
      () =>
        new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        }),
    );

    // A qemu VM sees this server as coreUrl; its requests are recognised by their Host header.
    const coreUrl = o.qemu ? `http://${o.qemu.coreAddr}:${httpPort}` : httpUrl;
    const qemuRelays = new Set(o.qemu?.relays ?? []);
    const tftp = await startTftpServer({ host, port: o.tftpPort ?? 0, files: (name) => tftpFiles.get(name.replace(/^\/+/, '')) ?? null });
    cleanup.push(() => tftp.close());

    const dhcp = await startDhcpServer({
      host,
      port: o.dhcpPort ?? 0,
      subnets: o.subnets,
      nextServer: host,
      tftpPort: tftp.address.port,
      onEvent: o.onDhcpEvent,
      bootFile: (q) => {
        if (q.userClass === 'iPXE') return { file: `${qemuRelays.has(q.giaddr) ? coreUrl : httpUrl}/boot.ipxe` };
        if (q.vendorClass.startsWith('HTTPClient')) return { file: `${httpUrl}/artifacts/ipxe.efi`, vendorClassEcho: 'HTTPClient' };
        return { file: q.arch === 7 || q.arch === 9 || q.arch === 6 ? 'ipxe.efi' : 'undionly.kpxe' };
      },
    });
    cleanup.push(() => dhcp.close());

    const images = new Map<string, RefImage>();
    const image = (name: string, bytes: number): RefImage => {
      const a = artifacts.define(`images/${name}`, bytes);
      const img = { name, url: `${httpUrl}/images/${encodeURIComponent(name)}`, sha256: a.sha256, bytes };
      images.set(name, img);
      return img;
    };

    const nodeScript = (n: RefNode | undefined, base = httpUrl): string => {
      if (!n || (n.state !== 'provisioning' && n.state !== 'installing') || !n.image) return '#!ipxe\necho fleetlab reference: no deploy pending, booting local disk\nexit\n';
      const vm = base !== httpUrl; // a qemu VM: real kernel/initrd, quiet serial console
      const args = [
        `fleetlab.image=${n.image.url.startsWith(httpUrl) ? base + n.image.url.slice(httpUrl.length) : n.image.url}`,
        `fleetlab.sha256=${n.image.sha256}`,
        `fleetlab.callback=${base}/callback/${encodeURIComponent(n.id)}`,
        `fleetlab.name=${n.image.name}`,
        'BOOTIF=${mac}',
        'ip=dhcp',
        'console=ttyS0',
        ...(vm ? ['quiet'] : []),
      ];
      const art = vm ? `${base}/qemu` : `${base}/artifacts`;
      return `#!ipxe\nkernel ${art}/vmlinuz ${args.join(' ')}\ninitrd ${art}/initrd.img\nboot\n`;
    };

    async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const url = new URL(req.url ?? '/', httpUrl);
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      const method = req.method ?? 'GET';
      const base = o.qemu && (req.headers.host ?? '').split(':')[0] === o.qemu.coreAddr ? coreUrl : httpUrl;
      if (method === 'GET' && url.pathname === '/boot.ipxe') {
        return sendText(res, 200, '#!ipxe\nchain ' + base + '/ipxe/${mac:hexhyp} || goto nodeconf\nexit\n:nodeconf\necho fleetlab reference: no node config for ${mac}\nexit\n');
      }
      if (method === 'GET' && o.qemu && (url.pathname === '/qemu/vmlinuz' || url.pathname === '/qemu/initrd.img')) {
        const file = url.pathname === '/qemu/vmlinuz' ? o.qemu.vmlinuz : o.qemu.initrd;
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': statSync(file).size });
        createReadStream(file).pipe(res);
        return;
      }
      if (method === 'GET' && parts[0] === 'ipxe' && parts.length === 2) {
        const n = byMac.get(parts[1]!.toLowerCase());
        if (n && (n.state === 'provisioning' || n.state === 'installing')) {
          n.timestamps.scriptServed = Date.now();
          if (n.state === 'provisioning') transition(n, 'installing');
        }
        return sendText(res, 200, nodeScript(n, base));
      }
      if (method === 'GET' && parts[0] === 'artifacts' && parts.length === 2) {
        const a = artifacts.get(parts[1]!);
        return a ? streamArtifact(res, a, 0) : sendJson(res, 404, { error: { code: ERRORS.TARGET.code, message: `no artifact ${parts[1]}` } });
      }
      if (method === 'GET' && parts[0] === 'images' && parts.length === 2) {
        const a = artifacts.get(`images/${parts[1]}`);
        return a ? streamArtifact(res, a, o.imageRateBps ?? 0) : sendJson(res, 404, { error: { code: ERRORS.TARGET.code, message: `no image ${parts[1]}` } });
      }
      if (method === 'POST' && parts[0] === 'callback' && parts.length === 2) {
        const n = nodes.get(parts[1]!);
        const body = (await readJson(req, res)) as { status?: string; message?: string; sha256?: string } | undefined;
        if (body === undefined) return;
        if (!n) return sendJson(res, 404, { error: { code: ERRORS.TARGET.code, message: `unknown node ${parts[1]}` } });
        n.timestamps.callback = Date.now();
        if (body.status === 'ok' && n.image && body.sha256 === n.image.sha256) transition(n, 'active');
        else transition(n, 'failed', body.message ?? `install reported ${JSON.stringify(body.status)} (sha256 ${body.sha256 ?? '?'})`);
        return sendJson(res, 200, { ok: true });
      }
      return handleRest(req, res, url, parts, method);
    }

    /** The REST API under /nodes: list, enroll, show, delete, provision, deprovision. */
    async function handleRest(req: IncomingMessage, res: ServerResponse, url: URL, parts: string[], method: string): Promise<void> {
      if (parts[0] !== 'nodes') return sendJson(res, 404, { error: { code: ERRORS.TARGET.code, message: `no route ${method} ${url.pathname}` } });
      if (parts.length === 1 && method === 'GET') return sendJson(res, 200, [...nodes.values()].map(view));
      if (parts.length === 1 && method === 'POST') {
        const b = (await readJson(req, res)) as Record<string, unknown> | undefined;
        if (b === undefined) return;
        const problems = validateEnroll(b);
        if (problems.length) return sendJson(res, 400, { error: { code: ERRORS.TARGET.code, message: problems.join('; ') } });
        const id = String(b.name);
        if (nodes.has(id)) return sendJson(res, 409, { error: { code: ERRORS.TARGET.code, message: `node ${id} exists` } });
        const bmc = b.bmc as RedfishTarget;
        const n: RefNode = { id, macs: (b.macs as string[]).map((m) => m.toLowerCase()), firmware: b.firmware === 'bios' ? 'bios' : 'uefi', bmc, state: 'enrolled', image: null, lastError: null, timestamps: {} };
        nodes.set(id, n);
        for (const m of n.macs) byMac.set(hexhyp(m), n);
        transition(n, 'enrolled');
        return sendJson(res, 201, view(n));
      }
      const n = nodes.get(parts[1] ?? '');
      if (!n) return sendJson(res, 404, { error: { code: ERRORS.TARGET.code, message: `unknown node ${parts[1]}` } });
      if (parts.length === 2 && method === 'GET') return sendJson(res, 200, view(n));
      if (parts.length === 2 && method === 'DELETE') {
        nodes.delete(n.id);
        for (const m of n.macs) byMac.delete(hexhyp(m));
        res.writeHead(204).end();
        return;
      }
      if (parts.length === 3 && parts[2] === 'provision' && method === 'POST') {
        const b = (await readJson(req, res)) as { image?: { name?: string; bytes?: number; url?: string; sha256?: string } } | undefined;
        if (b === undefined) return;
        const im = b.image;
        if (!im || typeof im.name !== 'string' || (im.url === undefined && typeof im.bytes !== 'number'))
          return sendJson(res, 400, { error: { code: ERRORS.TARGET.code, message: 'body.image: expected {name, bytes} or {name, url, sha256, bytes}' } });
        // An image of ours announced by URL (e.g. defined from another thread): make sure it is served.
        if (im.url?.startsWith(`${httpUrl}/images/`) && typeof im.bytes === 'number' && !images.has(im.name)) image(im.name, im.bytes);
        n.image = im.url && im.sha256 ? { name: im.name, url: im.url, sha256: im.sha256, bytes: im.bytes ?? 0 } : (images.get(im.name) ?? image(im.name, im.bytes!));
        n.lastError = null;
        transition(n, 'provisioning');
        // The BMC call is the deploy's first step; answer 202 once it is accepted.
        try {
          await pxeBootOnce(n.bmc, n.firmware === 'bios' ? 'Legacy' : 'UEFI');
        } catch (e) {
          transition(n, 'failed', `BMC: ${(e as Error).message}`);
          return sendJson(res, 502, { error: { code: ERRORS.TARGET.code, message: n.lastError } });
        }
        return sendJson(res, 202, view(n));
      }
      if (parts.length === 3 && parts[2] === 'deprovision' && method === 'POST') {
        transition(n, 'deprovisioning');
        try {
          await powerOff(n.bmc);
        } catch (e) {
          transition(n, 'failed', `BMC: ${(e as Error).message}`);
          return sendJson(res, 502, { error: { code: ERRORS.TARGET.code, message: n.lastError } });
        }
        n.image = null;
        transition(n, 'enrolled');
        return sendJson(res, 202, view(n));
      }
      return sendJson(res, 405, { error: { code: ERRORS.TARGET.code, message: `${method} not allowed on ${url.pathname}` } });
    }

    return {
      http: { host, port: httpPort, url: httpUrl },
      dhcp: dhcp.address,
      tftp: tftp.address,
      nodes,
      artifacts,
      image,
      leases: () => dhcp.leases(),
      watch(cb) {
        watchers.add(cb);
        return () => watchers.delete(cb);
      },
      async close() {
        for (const c of cleanup.reverse()) await c().catch(() => undefined);
        cleanup.length = 0;
      },
    };
  } catch (e) {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
    throw e;
  }
}

function view(n: RefNode) {
  return { id: n.id, macs: n.macs, state: n.state, image: n.image?.name ?? null, lastError: n.lastError, timestamps: n.timestamps };
}

function validateEnroll(b: Record<string, unknown>): string[] {
  const p: string[] = [];
  if (typeof b.name !== 'string' || !b.name) p.push('body.name: expected a non-empty string');
  if (!Array.isArray(b.macs) || b.macs.length === 0 || !b.macs.every((m) => typeof m === 'string' && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(m)))
    p.push("body.macs: expected a non-empty list of MACs like '02:00:00:00:00:01'");
  const bmc = b.bmc as Record<string, unknown> | undefined;
  if (!bmc || typeof bmc !== 'object') p.push('body.bmc: expected {url, systemId, username, password}');
  else for (const k of ['url', 'systemId', 'username', 'password']) if (typeof bmc[k] !== 'string') p.push(`body.bmc.${k}: expected a string`);
  return p;
}

async function readJson(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
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

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.destroy();
  const b = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) }).end(b);
}

function sendText(res: ServerResponse, status: number, body: string): void {
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
