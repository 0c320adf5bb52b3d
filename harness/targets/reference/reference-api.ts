/**
 * Client for the reference server's REST API (POST /nodes, /nodes/{id}/provision|deprovision,
 * GET /nodes/{id}), shared by every adapter that puts the reference server's HTTP side behind a
 * DHCP server: `reference` itself, and `dnsmasq` / `kea`.
 */
import type { ImageRef, TargetNode, TargetPhase, TargetState } from '../target.ts';
import type { RefNodeState } from './reference-server.ts';
import { FleetlabError } from '../../../lab/base/errors.ts';

export const REF_PHASE: Record<RefNodeState, TargetPhase> = {
  enrolled: 'ready',
  provisioning: 'provisioning',
  installing: 'agent',
  active: 'active',
  deprovisioning: 'deprovisioning',
  failed: 'failed',
};

export function refState(native: string, lastError: string | null): TargetState {
  return { native, phase: REF_PHASE[native as RefNodeState], ...(lastError ? { lastError } : {}) };
}

export interface ReferenceApi {
  enroll(nodes: TargetNode[]): Promise<void>;
  provision(node: TargetNode, image: ImageRef): Promise<void>;
  deprovision(node: TargetNode): Promise<void>;
  state(node: TargetNode): Promise<TargetState>;
}

/** `label` names the target in errors; `baseUrl` is read per call (valid after start). */
export function referenceApi(label: string, baseUrl: () => string, signal: AbortSignal): ReferenceApi {
  // Transient connection failures (a server busy with a boot storm, reset connections) are
  // retried with backoff, as an operator's provisioning script would; the last cause is named.
  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    let last: unknown;
    for (let attempt = 0; attempt < 6; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      try {
        const r = await fetch(baseUrl() + path, {
          method,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const text = await r.text();
        return { status: r.status, json: text ? (JSON.parse(text) as unknown) : null };
      } catch (e) {
        last = e;
        if (signal.aborted) break;
      }
    }
    const cause = (last as { cause?: { code?: string; message?: string } })?.cause;
    throw new FleetlabError('TARGET', `${label}: ${method} ${path}: ${(last as Error)?.message ?? String(last)}${cause ? ` (${cause.code ?? cause.message})` : ''}`);
  };
  const must = (r: { status: number; json: unknown }, what: string) => {
    if (r.status >= 300) throw new FleetlabError('TARGET', `${label}: ${what}: HTTP ${r.status} ${JSON.stringify(r.json)}`);
  };
  return {
    async enroll(nodes) {
      // Bounded parallelism: a real operator's enrollment script would not open 10k connections.
      await pool(nodes, 64, async (n) => {
        if (!n.bmc.redfish) throw new FleetlabError('TARGET', `${label}: node ${n.name} has no Redfish BMC (power is driven over Redfish)`);
        must(
          await api('POST', '/nodes', {
            name: n.name,
            macs: n.macs,
            firmware: n.firmware,
            bmc: { url: n.bmc.redfish.url, systemId: n.bmc.redfish.systemId, username: n.bmc.username, password: n.bmc.password },
          }),
          `enroll ${n.name}`,
        );
      });
    },
    async provision(node, image) {
      must(await api('POST', `/nodes/${encodeURIComponent(node.name)}/provision`, { image }), `provision ${node.name}`);
    },
    async deprovision(node) {
      must(await api('POST', `/nodes/${encodeURIComponent(node.name)}/deprovision`), `deprovision ${node.name}`);
    },
    async state(node) {
      const r = await api('GET', `/nodes/${encodeURIComponent(node.name)}`);
      if (r.status === 404) return { native: 'unknown', phase: 'registered' };
      must(r, `state ${node.name}`);
      const v = r.json as { state: RefNodeState; lastError: string | null };
      return refState(v.state, v.lastError);
    },
  };
}

export async function pool<T>(items: T[], width: number, fn: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  const workers = Array.from({ length: Math.min(width, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]!);
  });
  await Promise.all(workers);
}
