/**
 * Node events (node.info, node.power, node.phase, node.ready, node.failed, node.error): each
 * node's provisionings, phase spans, time-to-ready and why it failed (timeline model in
 * node-state.ts).
 */
import type { FamilyHandlers, MetricsAccumulator } from './metrics-accumulator.ts';
import { bump } from './metrics-accumulator.ts';
import { closeProvisioning, closeSpan, enterPhase, nodeState, openProvisioning, remember } from './node-state.ts';

type NodeKinds = 'node.info' | 'node.power' | 'node.phase' | 'node.ready' | 'node.failed' | 'node.error';

export function nodeHandlers(acc: MetricsAccumulator): FamilyHandlers<NodeKinds> {
  return {
    'node.info': (e) => {
      const s = nodeState(acc, e.node);
      s.m.site = e.site;
      s.m.profile = e.profile;
      acc.bmcToNode.set(e.bmc, e.node);
    },
    'node.power': (e) => remember(acc, e.node, e),
    'node.phase': (e) => {
      const s = nodeState(acc, e.node);
      remember(acc, e.node, e);
      if (s.closed) {
        // A stray terminal marker right after node.ready is not a new provisioning.
        if (e.phase === 'ready' && s.m.outcome === 'ready') return;
        openProvisioning(acc, s, e.t);
      }
      closeSpan(acc, s, e.t, 'next', e.lateMs);
      enterPhase(s, e.phase, e.t, e.attempt ?? 1);
    },
    'node.ready': (e) => {
      const s = nodeState(acc, e.node);
      remember(acc, e.node, e);
      const started = !s.closed;
      closeSpan(acc, s, e.t, 'ready', e.lateMs);
      s.m.outcome = 'ready';
      s.m.phases.ready = e.t;
      if (e.image !== undefined) s.m.image = e.image;
      const from = s.powerOn ?? s.firstPhase;
      if (started && from !== null) {
        const ttr = e.t - from - s.lateSinceStart;
        s.m.timeToReadyMs = ttr;
        acc.ttrSamples.push(ttr);
        acc.ttrByNode.push({ node: s.index, ms: ttr });
      }
      acc.points.readyTs.push(e.t);
      if (started) closeProvisioning(acc, s, e.t);
      else s.m.end = e.t;
    },
    'node.failed': (e) => {
      const s = nodeState(acc, e.node);
      remember(acc, e.node, e);
      const started = !s.closed;
      closeSpan(acc, s, e.t, 'failed', e.lateMs);
      s.m.outcome = 'failed';
      s.m.error = { phase: e.phase, code: e.code, message: e.message, t: e.t };
      bump(acc.errorCodes, e.code);
      acc.points.failedTs.push(e.t);
      if (started) closeProvisioning(acc, s, e.t);
      else s.m.end = e.t;
    },
    'node.error': (e) => {
      remember(acc, e.node, e);
      bump(acc.nodeErrorCodes, e.code);
    },
  };
}
