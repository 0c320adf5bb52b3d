/**
 * The AgentContext a simulated node hands its agent persona after the kernel boots: HTTP from the
 * node's address through its site link, image download hashed as it streams (nothing kept), a
 * disk write at the profile's speed (with the disk-write fault), and power off via the node.
 *
 *   kernel cmdline ─▶ agentContext(node) ─▶ persona.run(ctx) ─▶ ctx.http / downloadImage / writeDisk / powerOff
 */
import { createHash } from 'node:crypto';
import { FleetlabError } from '../../base/errors.ts';
import { sample } from '../../config/distribution.ts';
import type { AgentContext, AgentHttpResponse, AgentImageResult } from './agent-persona.ts';
import { nodeHttp } from './node-http.ts';
import { roundMs, type SimNodeCore } from './sim-node-core.ts';

export function agentContext(node: SimNodeCore, cmdline: string, signal: AbortSignal): AgentContext {
  const n = node.init;
  return {
    node: { name: n.name, site: n.site, uuid: n.uuid, macs: n.macs, ip: node.ip ?? '' },
    cmdline,
    args: parseCmdline(cmdline),
    signal,
    emit: (b) => node.emit(b),
    phase: (p) => node.enter(p, signal),
    sleep: (ms) => node.sleep(ms, signal),
    http: (method, url, body, headers) => agentHttp(node, signal, method, url, body, headers),
    downloadImage: (url, expected) => downloadImage(node, signal, url, expected),
    writeDisk: (image) => writeDisk(node, signal, image),
    powerOff: async () => {
      node.powerOff('agent');
      await Promise.resolve();
    },
  };
}

/** Kernel command line → key=value map (flags map to ''). */
export function parseCmdline(cmdline: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tok of cmdline.trim().split(/\s+/)) {
    if (!tok) continue;
    const i = tok.indexOf('=');
    if (i < 0) out[tok] = '';
    else out[tok.slice(0, i)] = tok.slice(i + 1);
  }
  return out;
}

async function agentHttp(node: SimNodeCore, signal: AbortSignal, method: string, url: string, body: unknown, headers?: Record<string, string>): Promise<AgentHttpResponse> {
  const n = node.init;
  await node.requestOverhead(n.profile.timings.agentRequestMs, signal);
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const r = await nodeHttp({
    method,
    url,
    body: payload,
    headers: { ...(body !== undefined && !Buffer.isBuffer(body) && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}), ...headers },
    localAddress: node.ip ?? undefined,
    link: n.link,
    signal,
  });
  return { status: r.status, headers: r.headers, body: r.body };
}

async function downloadImage(
  node: SimNodeCore,
  signal: AbortSignal,
  url: string,
  expected: { algo: 'sha256' | 'sha512' | 'md5'; digest: string } | null,
): Promise<AgentImageResult> {
  const n = node.init;
  await node.requestOverhead(n.profile.timings.agentRequestMs, signal);
  const release = await n.env.httpSlots.acquire();
  try {
    const hash = createHash(expected?.algo ?? 'sha256');
    const r = await nodeHttp({ url, localAddress: node.ip ?? undefined, link: n.link, faults: n.faults, signal, onChunk: (c) => hash.update(c) });
    const digest = hash.digest('hex');
    const ok = r.status === 200 && (!expected || digest === expected.digest.toLowerCase());
    node.emit({ kind: 'http.done', node: n.name, url, bytes: r.bytes, ms: roundMs(r.ms), status: r.status });
    node.emit({ kind: 'agent.image', node: n.name, url, bytes: r.bytes, ms: roundMs(r.ms), sha256: digest, ok });
    return { bytes: r.bytes, digest, ok, ms: r.ms };
  } finally {
    release();
  }
}

async function writeDisk(node: SimNodeCore, signal: AbortSignal, image: { name: string; bytes: number; digest: string }): Promise<void> {
  const n = node.init;
  node.disk = null; // a write in progress leaves no bootable image until it completes
  const mbps = Math.max(1, sample(n.profile.timings.diskWriteMBps, node.rng));
  await node.sleep((image.bytes / (mbps * 1e6)) * 1000, signal);
  if (n.faults.diskWriteFailure) {
    n.faults.diskWriteFailure = false; // one failed write per injection
    throw new FleetlabError('DISK_WRITE', `I/O error writing ${image.name} to ${n.profile.disks[0]?.name ?? 'disk'}`);
  }
  node.disk = { name: image.name, digest: image.digest, bytes: image.bytes };
}
