/**
 * A simulated node's network I/O as its firmware (PXE ROM, iPXE) does it: DHCP through the site
 * relay, TFTP reads and HTTP GETs through the site link from the node's leased address, each
 * reported as the event a real capture would show (dhcp.*, tftp.done, http.done).
 *
 *   node ──dhcpExchange──▶ relay hub ──▶ target DHCP      (replies come back via node.waitDhcp)
 *   node ──tftpGet───────▶ site link (+ tftp-drop fault) ──▶ target TFTP
 *   node ──nodeHttp──────▶ site link ──▶ target HTTP        (scripts kept, binaries only counted)
 *
 * Plain functions over the node (SimNodeCore): no per-node closures or state.
 */
import type { NodeFaults } from '../../faults/fault-hooks.ts';
import type { SiteLink } from '../../net/site-link.ts';
import type { Rng } from '../../base/rng.ts';
import type { PxeFirmware } from '../../proto/dhcp/dhcp-packet.ts';
import { dhcpExchange, type DhcpLease } from '../../proto/dhcp/dhcp-client.ts';
import { tftpGet } from '../../proto/tftp/tftp-client.ts';
import { nodeHttp } from './node-http.ts';
import { roundMs, type SimNodeCore } from './sim-node-core.ts';

export interface FetchResult {
  status: number;
  /** The body when it is an iPXE script and scripts were asked for; empty otherwise. */
  body: Buffer;
  bytes: number;
}

/** One DHCP exchange (DISCOVER..ACK with the firmware's backoff) for boot stage `stage`. */
export async function firmwareDhcp(node: SimNodeCore, stage: 'pxe' | 'ipxe', fw: PxeFirmware, signal: AbortSignal): Promise<DhcpLease> {
  const { env, name, site, macs, uuid, faults } = node.init;
  const lease = await dhcpExchange(
    {
      mac: macs[0]!,
      uuid,
      firmware: fw,
      site,
      node: name,
      xid: () => node.rng.int(1, 0x7fffffff),
      send: (p) => env.relays.send(site, p, `${site}/${name}`),
      waitReply: (pred, timeoutMs) => node.waitDhcp(pred, timeoutMs, signal),
      timeout: (ms) => node.protoTimeout(ms),
      onDiscover: (attempt) => node.emit({ kind: 'dhcp.discover', node: name, site, stage, attempt }),
      onOffer: (ip, ms) => node.emit({ kind: 'dhcp.offer', node: name, site, stage, ip, ms: roundMs(ms) }),
      dropped: () => faults.dhcpDropRate > 0 && node.rng.next() < faults.dhcpDropRate,
    },
    stage,
  );
  signal.throwIfAborted();
  node.emit({ kind: 'dhcp.ack', node: name, site, stage, ip: lease.ip, ms: roundMs(lease.ms), bootFile: lease.bootFile, nextServer: lease.nextServer });
  return lease;
}

/**
 * A TFTP read as the firmware does it (blksize 1468 + tsize, retransmits), through the site
 * link and the node's TFTP drop fault; `onData` sees the bytes (boot files are only counted).
 * `label` names the transfer in the tftp.done event (the file, or the tftp:// URL).
 */
export async function firmwareTftp(
  node: SimNodeCore,
  server: { host: string; port: number },
  file: string,
  signal: AbortSignal,
  onData: (c: Buffer) => void = () => {},
  label = file,
): Promise<number> {
  const n = node.init;
  const release = await n.env.tftpSlots.acquire();
  try {
    signal.throwIfAborted();
    // The drop rate is read per packet: a tftp-drop window may open or close mid-transfer.
    const link = dropLink(n.link, n.faults, node.rng);
    const r = await tftpGet({
      server,
      file,
      blksize: 1468,
      tsize: true,
      timeoutMs: node.protoTimeout(2000),
      retries: 6,
      localAddress: node.ip ?? undefined,
      link,
      onData,
      signal,
    });
    node.emit({ kind: 'tftp.done', node: n.name, file: label, bytes: r.bytes, ms: roundMs(r.ms), blksize: r.blksize });
    return r.bytes;
  } finally {
    release();
  }
}

/**
 * GET through the site link from the node's address (tftp:// URLs go through firmwareTftp).
 * Bodies that look like iPXE scripts are kept when `keepScripts` (the interpreter needs them);
 * anything else is only counted, and `onBinary` hears of its first chunk.
 */
export async function firmwareFetch(node: SimNodeCore, url: string, signal: AbortSignal, keepScripts = false, onBinary?: () => void): Promise<FetchResult> {
  const n = node.init;
  if (url.startsWith('tftp://')) {
    const u = new URL(url);
    const chunks: Buffer[] = [];
    const server = { host: u.hostname, port: u.port ? Number(u.port) : n.env.tftpPort };
    const bytes = await firmwareTftp(node, server, decodeURIComponent(u.pathname.slice(1)), signal, (c) => chunks.push(c), url);
    return { status: 200, body: Buffer.concat(chunks), bytes };
  }
  await node.requestOverhead(n.profile.timings.firmwareRequestMs, signal);
  const release = await n.env.httpSlots.acquire();
  try {
    let head: Buffer | null = null;
    let script = false;
    const kept: Buffer[] = [];
    const r = await nodeHttp({
      url,
      localAddress: node.ip ?? undefined,
      link: n.link,
      signal,
      onChunk: (c) => {
        if (head === null) {
          head = c;
          script = keepScripts && c.subarray(0, 6).toString('latin1') === '#!ipxe';
          if (!script) onBinary?.();
        }
        if (script) kept.push(c);
      },
    });
    node.emit({ kind: 'http.done', node: n.name, url, bytes: r.bytes, ms: roundMs(r.ms), status: r.status });
    return { status: r.status, body: script ? Buffer.concat(kept) : Buffer.alloc(0), bytes: r.bytes };
  } finally {
    release();
  }
}

/** The site link with the node's tftp-drop fault in front of its UDP path. */
function dropLink(link: SiteLink, faults: NodeFaults, rng: Rng): SiteLink {
  return {
    site: link.site,
    get partitioned() {
      return link.partitioned;
    },
    rtt: () => link.rtt(),
    take: (d, b) => link.take(d, b),
    udp: (dir, bytes, deliver, proto) => {
      const rate = faults.tftpDropRate;
      if (rate > 0 && rng.next() < rate) return;
      link.udp(dir, bytes, deliver, proto);
    },
  };
}
