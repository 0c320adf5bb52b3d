/**
 * What the scenario records (step.start, step.end, expect.result, wave.decision, rollout.node):
 * its named steps, thresholds (the JUnit test cases), rollout wave decisions and the rollout's
 * last verdict per node (kept on the node, so run.json shows both stories side by side).
 */
import type { StepRecord, WaveRecord } from './run-metrics.ts';
import type { FamilyHandlers, MetricsAccumulator } from './metrics-accumulator.ts';
import { nodeState } from './node-state.ts';

type ScenarioKinds = 'step.start' | 'step.end' | 'expect.result' | 'wave.decision' | 'rollout.node';

export function scenarioHandlers(acc: MetricsAccumulator): FamilyHandlers<ScenarioKinds> {
  return {
    'step.start': (e) => {
      const r: StepRecord = { step: e.step, start: e.t, ms: null, ok: null };
      acc.steps.push(r);
      acc.openSteps.set(e.step, r);
    },
    'step.end': (e) => {
      const r = acc.openSteps.get(e.step);
      acc.openSteps.delete(e.step);
      // A step.end without its start (log cut at the front): the step is reconstructed from ms.
      const rec = r ?? { step: e.step, start: e.t - e.ms, ms: null, ok: null };
      if (!r) acc.steps.push(rec);
      rec.ms = e.ms;
      rec.ok = e.ok;
      if (e.error !== undefined) rec.error = e.error;
    },
    'expect.result': (e) => {
      acc.thresholds.push({ name: e.name, ok: e.ok, value: e.value, limit: e.limit });
    },
    'rollout.node': (e) => {
      nodeState(acc, e.node).m.rollout = { wave: e.wave, step: e.step, image: e.image, ok: e.ok, ...(e.code !== undefined ? { code: e.code } : {}) };
    },
    'wave.decision': (e) => {
      const w: WaveRecord = { t: e.t, wave: e.wave, decision: e.decision, nodes: e.nodes };
      if (e.detail !== undefined) w.detail = e.detail;
      acc.waves.push(w);
    },
  };
}
