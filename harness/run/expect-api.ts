/**
 * Thresholds (`ExpectApi`): each check is one `expect.result` event — a JUnit test case in the
 * reports, and a failed one fails the run. Values come from the live NodeTracker, with the same
 * percentile definition as the reports.
 */
import type { EventLog } from '../events/event-log.ts';
import type { ExpectApi, NodeHandle } from '../scenario.ts';
import { quantileSorted } from '../../reports/stats/stat.ts';
import type { NodeTracker } from './node-tracker.ts';

/** `all` is the default node set (every node of the lab). */
export function createExpectApi(all: NodeHandle[], tracker: NodeTracker, log: EventLog): ExpectApi {
  const record = (name: string, ok: boolean, value: number | null, limit: string) => {
    log.emit({ kind: 'expect.result', name, ok, value, limit });
    return ok;
  };
  const ttrs = (nodes?: NodeHandle[]) => {
    const out: number[] = [];
    for (const h of nodes ?? all) {
      const p = tracker.nodes.get(h.name)!;
      if (p.readyAt !== null && p.powerOnAt !== null) out.push(p.readyAt - p.powerOnAt);
    }
    return out;
  };
  return {
    readyRatio(name, min, nodes) {
      const list = nodes ?? all;
      const ready = list.filter((h) => tracker.nodes.get(h.name)!.readyAt !== null && tracker.nodes.get(h.name)!.failedAt === null).length;
      const ratio = list.length ? ready / list.length : 1;
      return record(name, ratio >= min, ratio, `>= ${min}`);
    },
    p95TimeToReadyMs(name, maxMs, nodes) {
      const s = ttrs(nodes).sort((a, b) => a - b);
      // Same percentile definition as the reports (linear interpolation between ranks).
      const p95 = s.length ? quantileSorted(s, 0.95) : null;
      return record(name, p95 !== null && p95 <= maxMs, p95 === null ? null : Math.round(p95 * 10) / 10, `<= ${maxMs}`);
    },
    check: record,
  };
}
