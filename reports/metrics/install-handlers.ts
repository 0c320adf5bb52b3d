/**
 * Install events (boot.kernel, boot.disk, agent.*, target.state): the agent's image download
 * (latency, errors, throughput); every one is kept among the node's last events.
 */
import type { FamilyHandlers, MetricsAccumulator } from './metrics-accumulator.ts';
import { remember } from './node-state.ts';

type InstallKinds = 'boot.kernel' | 'boot.disk' | 'agent.start' | 'agent.step' | 'agent.image' | 'agent.callback' | 'target.state';

export function installHandlers(acc: MetricsAccumulator): FamilyHandlers<InstallKinds> {
  return {
    'boot.kernel': (e) => remember(acc, e.node, e),
    'boot.disk': (e) => remember(acc, e.node, e),
    'agent.start': (e) => remember(acc, e.node, e),
    'agent.step': (e) => remember(acc, e.node, e),
    'agent.image': (e) => {
      remember(acc, e.node, e);
      if (e.ok) acc.latency.image.ms.push(e.ms);
      else acc.latency.image.errors++;
      acc.points.transfers.push({ kind: 'image', from: e.t - e.ms, to: e.t, bytes: e.bytes });
    },
    'agent.callback': (e) => remember(acc, e.node, e),
    'target.state': (e) => remember(acc, e.node, e),
  };
}
