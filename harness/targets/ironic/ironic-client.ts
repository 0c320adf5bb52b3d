/**
 * A small Ironic REST client for what a fleetlab run does: enroll nodes and ports, drive
 * provision states, set power, and poll `provision_state` into `target.state` events.
 *
 *   IronicClient ─ fetch ─▶ http://ironic/v1/... (noauth, X-OpenStack-Ironic-API-Version)
 *   pollStates(): GET /v1/nodes?fields=… every intervalMs ─▶ onChange(node, native, phase, lastError)
 *
 * Errors carry FLEETLAB_ERR_TARGET and name the request and Ironic's `faultstring`.
 */
import { FleetlabError } from '../../../lab/base/errors.ts';
import type { TargetPhase } from '../target.ts';
import { ironicPhase } from './ironic-states.ts';

export interface IronicNode {
  uuid: string;
  name: string | null;
  provision_state: string;
  target_provision_state: string | null;
  power_state: string | null;
  last_error: string | null;
  maintenance?: boolean;
  driver?: string;
  driver_info?: Record<string, unknown>;
  driver_internal_info?: Record<string, unknown>;
  instance_info?: Record<string, unknown>;
  provision_updated_at?: string | null;
}

export interface IronicPort {
  uuid: string;
  address: string;
  node_uuid: string;
  pxe_enabled?: boolean;
}

export type ProvisionTarget = 'manage' | 'provide' | 'active' | 'deleted' | 'rebuild' | 'inspect' | 'abort' | 'clean' | 'adopt';

export interface IronicClientOptions {
  url: string;
  /** Microversion for every request (Debian 12's Ironic 21.4 speaks up to 1.82). */
  apiVersion?: string;
  timeoutMs?: number;
}

export interface StateChange {
  uuid: string;
  name: string | null;
  native: string;
  phase: TargetPhase;
  lastError: string | null;
}

export class IronicClient {
  readonly url: string;
  readonly apiVersion: string;
  private readonly timeoutMs: number;

  constructor(o: IronicClientOptions) {
    this.url = o.url.replace(/\/+$/, '');
    this.apiVersion = o.apiVersion ?? '1.78';
    this.timeoutMs = o.timeoutMs ?? 30_000;
  }

  /** One request; resolves with parsed JSON (or null for empty bodies); rejects on non-2xx. */
  async request<T>(method: string, path: string, body?: unknown, accept: number[] = []): Promise<T> {
    // 409 "Node … is locked by host …": the conductor is busy with that node; retry like
    // python-ironicclient does (it retries Conflict a few times, 2 s apart).
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once<T>(method, path, body, accept);
      } catch (e) {
        const locked = e instanceof FleetlabError && e.details?.status === 409 && /is locked by host/.test(e.message);
        if (!locked || attempt >= 30) throw e;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private async once<T>(method: string, path: string, body: unknown, accept: number[]): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.url + path, {
        method,
        headers: { 'X-OpenStack-Ironic-API-Version': this.apiVersion, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new FleetlabError('TARGET', `ironic ${method} ${path}: ${(e as Error).message}${(e as { cause?: Error }).cause ? ` (${(e as { cause: Error }).cause.message})` : ''}`);
    }
    const text = await res.text();
    if (!res.ok && !accept.includes(res.status)) {
      let fault = text;
      try {
        const j = JSON.parse(text) as { error_message?: string };
        const inner = typeof j.error_message === 'string' ? (JSON.parse(j.error_message) as { faultstring?: string }) : null;
        fault = inner?.faultstring ?? text;
      } catch {
        /* keep raw text */
      }
      throw new FleetlabError('TARGET', `ironic ${method} ${path}: HTTP ${res.status}: ${fault.slice(0, 500)}`, { status: res.status });
    }
    return (text ? JSON.parse(text) : null) as T;
  }

  createNode(body: Record<string, unknown>): Promise<IronicNode> {
    return this.request<IronicNode>('POST', '/v1/nodes', body);
  }

  getNode(ident: string, fields?: string[]): Promise<IronicNode> {
    return this.request<IronicNode>('GET', `/v1/nodes/${encodeURIComponent(ident)}${fields ? `?fields=${fields.join(',')}` : ''}`);
  }

  async listNodes(fields = ['uuid', 'name', 'provision_state', 'target_provision_state', 'power_state', 'last_error']): Promise<IronicNode[]> {
    // Pages of [api] max_limit (1000 by default); `marker` = last uuid of the previous page.
    const f = fields.includes('uuid') ? fields : ['uuid', ...fields];
    const out: IronicNode[] = [];
    let marker = '';
    for (;;) {
      const j = await this.request<{ nodes: IronicNode[]; next?: string }>('GET', `/v1/nodes?fields=${f.join(',')}&limit=1000${marker ? `&marker=${marker}` : ''}`);
      out.push(...j.nodes);
      if (!j.next || j.nodes.length === 0) return out;
      marker = j.nodes[j.nodes.length - 1]!.uuid;
    }
  }

  /** JSON-patch `replace`/`add` of top-level paths, e.g. {'/instance_info/image_source': url}. */
  patchNode(ident: string, set: Record<string, unknown>): Promise<IronicNode> {
    const ops = Object.entries(set).map(([path, value]) => ({ op: 'add', path, value }));
    return this.request<IronicNode>('PATCH', `/v1/nodes/${encodeURIComponent(ident)}`, ops);
  }

  deleteNode(ident: string): Promise<null> {
    return this.request<null>('DELETE', `/v1/nodes/${encodeURIComponent(ident)}`);
  }

  createPort(nodeUuid: string, address: string, pxeEnabled = true): Promise<IronicPort> {
    return this.request<IronicPort>('POST', '/v1/ports', { node_uuid: nodeUuid, address, pxe_enabled: pxeEnabled });
  }

  async listPorts(nodeUuid?: string): Promise<IronicPort[]> {
    const j = await this.request<{ ports: IronicPort[] }>('GET', `/v1/ports?fields=uuid,address,node_uuid,pxe_enabled${nodeUuid ? `&node_uuid=${nodeUuid}` : ''}`);
    return j.ports;
  }

  /** PUT /v1/nodes/{id}/states/provision; Ironic answers 202 and works asynchronously. */
  setProvisionState(ident: string, target: ProvisionTarget, extra: Record<string, unknown> = {}): Promise<null> {
    return this.request<null>('PUT', `/v1/nodes/${encodeURIComponent(ident)}/states/provision`, { target, ...extra });
  }

  setPowerState(ident: string, target: 'power on' | 'power off' | 'rebooting' | 'soft power off', timeoutS?: number): Promise<null> {
    return this.request<null>('PUT', `/v1/nodes/${encodeURIComponent(ident)}/states/power`, { target, ...(timeoutS ? { timeout: timeoutS } : {}) });
  }

  setMaintenance(ident: string, on: boolean, reason?: string): Promise<null> {
    return on
      ? this.request<null>('PUT', `/v1/nodes/${encodeURIComponent(ident)}/maintenance`, reason ? { reason } : {})
      : this.request<null>('DELETE', `/v1/nodes/${encodeURIComponent(ident)}/maintenance`);
  }

  /**
   * Poll until `done(node)` holds; rejects with the node's last_error when it lands in a failed
   * state (unless that is what `done` wanted), or on timeout.
   */
  async waitFor(ident: string, done: (n: IronicNode) => boolean, o: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal }): Promise<IronicNode> {
    const deadline = Date.now() + o.timeoutMs;
    let last: IronicNode | undefined;
    for (;;) {
      last = await this.getNode(ident, ['uuid', 'name', 'provision_state', 'target_provision_state', 'power_state', 'last_error', 'maintenance']);
      if (done(last)) return last;
      if (ironicPhase(last.provision_state) === 'failed') {
        throw new FleetlabError('TARGET', `ironic node ${last.name ?? ident}: ${last.provision_state}: ${last.last_error ?? 'no last_error'}`);
      }
      if (Date.now() > deadline) {
        throw new FleetlabError('TARGET', `ironic node ${last.name ?? ident}: still ${last.provision_state}${last.target_provision_state ? ` → ${last.target_provision_state}` : ''} after ${o.timeoutMs} ms`);
      }
      if (o.signal?.aborted) throw new FleetlabError('TARGET', `ironic node ${last.name ?? ident}: wait aborted in ${last.provision_state}`);
      await new Promise((r) => setTimeout(r, o.intervalMs ?? 500));
    }
  }

  /**
   * Poll every node's provision_state and report changes (first sighting included). One list
   * request per interval whatever the fleet size. Returns a stop function.
   * `onError` hears poll failures (Ironic down); polling continues.
   */
  pollStates(onChange: (c: StateChange) => void, o: { intervalMs?: number; onError?: (e: Error) => void } = {}): () => void {
    const seen = new Map<string, string>();
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const tick = async () => {
      try {
        const nodes = await this.listNodes();
        if (stopped) return;
        for (const n of nodes) {
          const key = `${n.provision_state}|${n.target_provision_state ?? ''}`;
          if (seen.get(n.uuid) === key) continue;
          const prev = seen.get(n.uuid)?.split('|')[0];
          seen.set(n.uuid, key);
          if (prev === n.provision_state) continue; // only target_provision_state moved
          onChange({ uuid: n.uuid, name: n.name, native: n.provision_state, phase: ironicPhase(n.provision_state), lastError: n.last_error });
        }
      } catch (e) {
        if (!stopped) o.onError?.(e as Error);
      }
      if (!stopped) timer = setTimeout(() => void tick(), o.intervalMs ?? 500);
    };
    void tick();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }
}
