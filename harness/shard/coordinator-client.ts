/**
 * A shard's side of the coordinator (coordinator.ts): where the shared target is, and barriers.
 * `fleetlab run --coordinator URL` (or `FLEETLAB_COORDINATOR`) asks before anything starts, so an
 * unreachable coordinator is a clear exit-2 error rather than a run of silent DHCP timeouts.
 */
import { fileURLToPath } from 'node:url';
import { FleetlabError } from '../../lab/base/errors.ts';
import type { SharedTargetInfo } from './coordinator.ts';
import type { ShardSpec } from './shard-spec.ts';

export const COORDINATOR_ENV = 'FLEETLAB_COORDINATOR';

/** The mapping file shipped for the shared reference server (`mapping: 'reference'`). */
export const REFERENCE_MAPPING = fileURLToPath(new URL('./reference-mapping.json', import.meta.url));

async function call<T>(url: string, init?: RequestInit, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, ...(signal ? { signal } : {}) });
  } catch (e) {
    throw new FleetlabError('SHARD_COORDINATOR', `coordinator ${url}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`);
  }
  const text = await res.text();
  if (!res.ok) throw new FleetlabError('SHARD_COORDINATOR', `coordinator ${url}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text) as T;
}

/** The shared target as `--target`/`--target-opt` values (the shipped mapping resolved to its path here). */
export async function sharedTarget(coordinator: string): Promise<{ target: string; targetOptions: Record<string, string> }> {
  const info = await call<SharedTargetInfo>(`${coordinator.replace(/\/+$/, '')}/target`);
  if (typeof info?.target !== 'string' || typeof info.options !== 'object') throw new FleetlabError('SHARD_COORDINATOR', `coordinator ${coordinator}/target: expected {target, options}`);
  const options = { ...info.options };
  if (options.mapping === 'reference') options.mapping = REFERENCE_MAPPING;
  return { target: info.target, targetOptions: options };
}

/**
 * Waits until every shard reached barrier `name`; each shard's `value`, by shard index. A
 * coordinator not up yet (a pod still starting) or a long poll cut by a proxy or fetch's header
 * timeout is retried each second (arriving twice is harmless) until `signal` aborts.
 */
export async function barrier(coordinator: string, name: string, shard: ShardSpec, value: unknown, signal: AbortSignal): Promise<Record<string, unknown>> {
  const url = `${coordinator.replace(/\/+$/, '')}/barrier/${encodeURIComponent(name)}`;
  const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ shard: shard.index, count: shard.count, value }) };
  for (;;) {
    try {
      return (await call<{ values: Record<string, unknown> }>(url, init, signal)).values;
    } catch (e) {
      if (signal.aborted || /HTTP 4\d\d/.test((e as Error).message)) throw e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
