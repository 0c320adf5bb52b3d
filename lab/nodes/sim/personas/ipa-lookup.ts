/**
 * IPA's lookup: ask Ironic which node owns this machine's MACs, retrying (404 = not in a lookup
 * state yet, 409 = locked, connection errors) until the node's uuid and agent_token come back or
 * the lookup timeout passes.
 *
 *   GET <api>/v1/lookup?addresses=<macs> ─▶ 200 {node.uuid, config.agent_token, heartbeat_timeout}
 */
import type { AgentContext } from '../agent-persona.ts';

export interface IpaLookupResult {
  uuid: string;
  token: string;
  heartbeatTimeoutS: number;
}

export interface IpaLookupOptions {
  api: string;
  headers: Record<string, string>;
  timeoutMs: number;
  intervalMs: number;
  wait: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** The lookup result, or a message saying why it failed (aborted, or timed out with the last answer). */
export async function ipaLookup(ctx: AgentContext, o: IpaLookupOptions, signal: AbortSignal): Promise<IpaLookupResult | string> {
  const node = ctx.node.name;
  const lookupUrl = `${o.api}/v1/lookup?addresses=${encodeURIComponent(ctx.node.macs.join(','))}`;
  const deadline = performance.now() + o.timeoutMs;
  let last = '';
  for (;;) {
    if (signal.aborted) return `${node}: aborted during lookup`;
    try {
      const r = await ctx.http('GET', lookupUrl, undefined, o.headers);
      if (r.status === 200) {
        const j = JSON.parse(r.body.toString('utf8')) as { node?: { uuid?: string }; config?: { agent_token?: string; heartbeat_timeout?: number } };
        const found = { uuid: j.node?.uuid ?? '', token: j.config?.agent_token ?? '', heartbeatTimeoutS: j.config?.heartbeat_timeout ?? 300 };
        if (found.uuid && found.token) return found;
        last = `200 without node.uuid/config.agent_token`;
      } else last = `HTTP ${r.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    if (performance.now() > deadline) return `${node}: lookup ${lookupUrl} failed until timeout: ${last}`;
    await o.wait(o.intervalMs, signal);
  }
}
