/**
 * TAP 14 on `--reporter tap`: a test point per failed node (streamed as the node fails) and per
 * threshold (at the end), plus a "run status" point when the run was interrupted or timed out;
 * the plan comes last, as TAP allows.
 */
import type { FleetEvent } from '../lab/base/event.ts';
import type { Reporter } from './reporter.ts';
import type { JsonSummary } from './summary.ts';

function yamlString(s: string): string {
  return JSON.stringify(s); // a JSON string is a valid YAML flow scalar
}

export function tapReporter(write: (s: string) => void): Reporter {
  let n = 0;
  let started = false;
  const start = () => {
    if (!started) write('TAP version 14\n');
    started = true;
  };
  const point = (ok: boolean, desc: string, diag?: Record<string, string | number | null>) => {
    start();
    n++;
    let s = `${ok ? 'ok' : 'not ok'} ${n} - ${desc.replace(/#/g, '\\#').replace(/\n/g, ' ')}\n`;
    if (diag) {
      s += '  ---\n';
      for (const [k, v] of Object.entries(diag)) s += `  ${k}: ${typeof v === 'string' ? yamlString(v) : v}\n`;
      s += '  ...\n';
    }
    write(s);
  };
  return {
    name: 'tap reporter',
    onEvent(e: FleetEvent) {
      if (e.kind === 'node.failed') point(false, `node ${e.node} failed in phase ${e.phase}`, { code: e.code, message: e.message, t_ms: e.t });
      else if (e.kind === 'run.start') start();
    },
    onEnd(summary: JsonSummary) {
      for (const th of summary.thresholds) point(th.ok, `threshold: ${th.name}`, th.ok ? undefined : { value: th.value });
      if (summary.status === 'interrupted' || summary.status === 'timedout') point(false, `run status: ${summary.status}`, { ready: summary.nodes.ready, total: summary.nodes.total });
      start();
      write(n === 0 ? '1..0 # no thresholds and no failed nodes\n' : `1..${n}\n`);
    },
  };
}

/** TAP for a finished log (used by `fleetlab report --reporter tap`). */
export function tapFromEvents(events: FleetEvent[], summary: JsonSummary): string {
  let out = '';
  const r = tapReporter((s) => (out += s));
  for (const e of events) r.onEvent?.(e);
  void r.onEnd?.(summary);
  return out;
}
