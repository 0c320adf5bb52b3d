/**
 * Run events (run.start, run.end, log, target.version): the run's configuration, final status and
 * reason, and the version of the server under test.
 * Error-level `log` lines are counted by code (threshold metric `log.errors`, `target.api.errors`).
 */
import { bump, type FamilyHandlers, type MetricsAccumulator } from './metrics-accumulator.ts';

export function runHandlers(acc: MetricsAccumulator): FamilyHandlers<'run.start' | 'run.end' | 'log' | 'target.version'> {
  return {
    'run.start': (e) => {
      acc.config = { runId: e.runId, scenario: e.scenario, seed: e.seed, wallStart: e.wallStart, testbed: e.testbed, nodes: e.nodes, sites: e.sites, params: e.params, target: e.target, versions: e.versions, timeScale: e.timeScale ?? null, ...(e.host ? { host: e.host } : {}) };
    },
    'run.end': (e) => {
      acc.status = e.status;
      acc.reason = e.reason;
      acc.endT = e.t;
    },
    'target.version': (e) => {
      acc.targetVersion = { ...acc.targetVersion, ...e.version };
    },
    log: (e) => {
      if (e.level === 'error') bump(acc.logErrorCodes, e.code ?? 'none');
    },
  };
}
