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
 *
 * This file wires the parts and owns their lifetimes: state (reference-state.ts), HTTP routes
 * (reference-boot-routes.ts → reference-rest-routes.ts), TFTP and DHCP from lab/proto.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDhcpServer, type DhcpServer } from '../../../lab/proto/dhcp/dhcp-server.ts';
import { startTftpServer, type TftpServer } from '../../../lab/proto/tftp/tftp-server.ts';
import { ERRORS } from '../../../lab/base/errors.ts';
import { sendJson } from './reference-http.ts';
import { ReferenceState } from './reference-state.ts';
import { handleRequest } from './reference-boot-routes.ts';
import type { ReferenceServer, ReferenceServerOptions } from './reference-types.ts';

export type * from './reference-types.ts';
export { streamArtifact } from './reference-http.ts';

type Cleanup = () => Promise<void>;

/** The boot files TFTP serves (iPXE for BIOS and UEFI) and the kernel/initrd the scripts name. */
function defineBootArtifacts(st: ReferenceState): Map<string, Buffer> {
  const { artifacts, o } = st;
  const bootBytes = o.bootFileBytes ?? 70_000;
  const kpxe = artifacts.define('undionly.kpxe', bootBytes);
  const efi = artifacts.define('ipxe.efi', bootBytes);
  artifacts.define('vmlinuz', o.kernelBytes ?? 128 * 1024);
  artifacts.define('initrd.img', o.initrdBytes ?? 256 * 1024);
  return new Map<string, Buffer>([
    ['undionly.kpxe', artifacts.content(kpxe)],
    ['ipxe.efi', artifacts.content(efi)],
    ['snponly.efi', artifacts.content(efi)],
  ]);
}

async function startHttp(st: ReferenceState, host: string, cleanup: Cleanup[]): Promise<number> {
  const server: Server = createServer((req, res) => {
    handleRequest(st, req, res).catch((e: unknown) => sendJson(res, 500, { error: { code: ERRORS.TARGET.code, message: String(e) } }));
  });
  server.keepAliveTimeout = 5000;
  server.maxConnections = 0x7fffffff;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: st.o.httpPort ?? 0, backlog: 4096 }, () => resolve());
  });
  cleanup.push(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  );
  return (server.address() as AddressInfo).port;
}

/** Relay-aware DHCP: iPXE gets the boot script URL (the core address for qemu sites), firmware the ROM. */
function startDhcp(st: ReferenceState, host: string, tftp: TftpServer): Promise<DhcpServer> {
  const qemuRelays = new Set(st.o.qemu?.relays ?? []);
  return startDhcpServer({
    host,
    port: st.o.dhcpPort ?? 0,
    subnets: st.o.subnets,
    nextServer: host,
    tftpPort: tftp.address.port,
    onEvent: st.o.onDhcpEvent,
    bootFile: (q) => {
      if (q.userClass === 'iPXE') return { file: `${qemuRelays.has(q.giaddr) ? st.coreUrl : st.httpUrl}/boot.ipxe` };
      if (q.vendorClass.startsWith('HTTPClient')) return { file: `${st.httpUrl}/artifacts/ipxe.efi`, vendorClassEcho: 'HTTPClient' };
      return { file: q.arch === 7 || q.arch === 9 || q.arch === 6 ? 'ipxe.efi' : 'undionly.kpxe' };
    },
  });
}

export async function startReferenceServer(o: ReferenceServerOptions): Promise<ReferenceServer> {
  const host = o.host ?? '127.0.0.1';
  const st = new ReferenceState(o);
  const tftpFiles = defineBootArtifacts(st);
  const cleanup: Cleanup[] = [];
  const closeAll = async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
    cleanup.length = 0;
  };
  try {
    // HTTP first: DHCP answers point iPXE at it.
    const httpPort = await startHttp(st, host, cleanup);
    st.httpUrl = `http://${host}:${httpPort}`;
    // A qemu VM sees this server as coreUrl; its requests are recognised by their Host header.
    st.coreUrl = o.qemu ? `http://${o.qemu.coreAddr}:${httpPort}` : st.httpUrl;
    const tftp = await startTftpServer({ host, port: o.tftpPort ?? 0, files: (name) => tftpFiles.get(name.replace(/^\/+/, '')) ?? null });
    cleanup.push(() => tftp.close());
    const dhcp = await startDhcp(st, host, tftp);
    cleanup.push(() => dhcp.close());
    return {
      http: { host, port: httpPort, url: st.httpUrl },
      dhcp: dhcp.address,
      tftp: tftp.address,
      nodes: st.nodes,
      artifacts: st.artifacts,
      image: (name, bytes) => st.image(name, bytes),
      leases: () => dhcp.leases(),
      watch(cb) {
        st.watchers.add(cb);
        return () => st.watchers.delete(cb);
      },
      close: closeAll,
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
