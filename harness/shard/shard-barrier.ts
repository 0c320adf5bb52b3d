/**
 * The shards of a run start their scenarios together: each one, once its target and lab are up,
 * waits at the coordinator's 'lab-ready' barrier, so the fleet-wide timeline of the merged run is
 * one rollout rather than N staggered ones (pods of an Indexed Job start minutes apart).
 *
 *   start target ─▶ start lab ─▶ [shard barrier 'lab-ready': every shard arrived] ─▶ scenario.run
 *
 * A shard that dies before the barrier holds the others until their run timeout or a signal;
 * the merge then reports it died.
 */
import type { EventSink } from '../../lab/base/event.ts';
import { barrier } from './coordinator-client.ts';
import type { ShardOfRun } from './shard-lab.ts';

export function shardBarrierTask(shard: ShardOfRun, coordinator: string, log: EventSink, signal: AbortSignal): { title: string; setup: () => Promise<void> } {
  const label = `${shard.spec.index}/${shard.spec.count}`;
  return {
    title: `shard ${label}: wait for every shard's lab`,
    setup: async () => {
      log.emit({ kind: 'log', level: 'info', msg: `shard ${label}: lab up, waiting for the other shards at ${coordinator}` });
      await barrier(coordinator, 'lab-ready', shard.spec, null, signal);
      log.emit({ kind: 'log', level: 'info', msg: `shard ${label}: every shard's lab is up` });
    },
  };
}
