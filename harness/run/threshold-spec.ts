/**
 * Thresholds as written (a scenario's `thresholds`, `--threshold METRIC OP VALUE`) → checked
 * conditions. Every problem is reported with its path before anything starts (exit 2), e.g.
 * `thresholds['phase.tfpt.p95']: unknown phase 'tfpt'` or `--threshold[2]: expected …`.
 *
 *   'phase.tftp.p95': '< 2s'  ─▶ {metric, op '<', limit 2000 (ms, modelled), text '< 2s'}
 *
 * Durations take the lab spec's units (ms, s, m, h); a bare number on a duration metric is ms.
 * Ratios take a fraction or a percentage ('99.9%').
 */
import type { Problems } from '../../lab/base/problem.ts';
import { parseDurationOrMs } from '../../lab/base/units.ts';
import type { ThresholdCondition, Thresholds } from '../scenario.ts';
import { isDurationMetric, parseMetric, type MetricRef } from './threshold-metrics.ts';

export type ThresholdOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface Threshold {
  /** The metric as written, e.g. `site[link=dsl].ttr.p50`. */
  metric: string;
  ref: MetricRef;
  op: ThresholdOp;
  /** In the metric's unit: modelled ms for durations. */
  limit: number;
  /** The condition as written, spaced (`< 2s`): the report's "want". */
  text: string;
  abortOnFail: boolean;
  /** Modelled run time before abortOnFail may stop the run. */
  delayMs: number;
}

const COND_RE = /^\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*([a-z%]*)\s*$/i;
const DURATION_UNITS: Record<string, number> = { us: 1e-3, ms: 1, s: 1e3, m: 60e3, min: 60e3, h: 3600e3 };

/** `'< 2s'` on `metric` → op and limit, or a problem text. */
function parseCondition(metric: string, text: string): { op: ThresholdOp; limit: number; text: string } | string {
  const m = COND_RE.exec(text);
  if (!m) return `expected a condition like '< 2s', '>= 0.999' or '== 0', got '${text}'`;
  const [, op, num, unit = ''] = m;
  const x = Number(num);
  const u = unit.toLowerCase();
  const norm = `${op} ${num}${unit}`;
  if (u === '') return { op: op as ThresholdOp, limit: x, text: norm };
  if (u === '%') return metric.endsWith('.ratio') ? { op: op as ThresholdOp, limit: x / 100, text: norm } : `'%' only applies to a .ratio metric, not '${metric}'`;
  const mult = DURATION_UNITS[u];
  if (mult === undefined) return `unknown unit '${unit}' in '${text}' (durations: ms, s, m, h)`;
  if (!isDurationMetric(metric.replace(/^site\[[^\]]*\]\./, ''))) return `'${metric}' is not a duration: '${text}' needs a plain number`;
  return { op: op as ThresholdOp, limit: x * mult, text: norm };
}

function parseOne(metric: string, c: ThresholdCondition, path: string, problems: Problems): Threshold | null {
  const ref = parseMetric(metric);
  if (typeof ref === 'string') {
    problems.add(path, ref);
    return null;
  }
  const o = typeof c === 'string' ? { threshold: c } : c;
  if (!o || typeof o !== 'object' || typeof o.threshold !== 'string') {
    problems.add(path, `expected a condition string or {threshold, abortOnFail?, delayAbortEval?}, got ${JSON.stringify(c)}`);
    return null;
  }
  const unknown = Object.keys(o).filter((k) => !['threshold', 'abortOnFail', 'delayAbortEval'].includes(k));
  if (unknown.length) problems.add(path, `unknown field(s) ${unknown.join(', ')} (known: threshold, abortOnFail, delayAbortEval)`);
  const cond = parseCondition(metric, o.threshold);
  if (typeof cond === 'string') problems.add(path, cond);
  const before = problems.list.length;
  const delay = o.delayAbortEval === undefined ? 0 : parseDurationOrMs(o.delayAbortEval, `${path}.delayAbortEval`, problems, '30s');
  if (o.abortOnFail !== undefined && typeof o.abortOnFail !== 'boolean') problems.add(path, `abortOnFail must be true or false, got ${JSON.stringify(o.abortOnFail)}`);
  if (typeof cond === 'string' || delay === undefined || problems.list.length > before || unknown.length) return null;
  return { metric, ref, op: cond.op, limit: cond.limit, text: cond.text, abortOnFail: o.abortOnFail === true, delayMs: delay };
}

/** A scenario's `thresholds` object; problems at `thresholds['metric']` (`[i]` for one of a list). */
export function parseThresholds(input: unknown, problems: Problems, path = 'thresholds'): Threshold[] {
  if (input === undefined) return [];
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    problems.add(path, `expected an object of metric → condition, got ${JSON.stringify(input)}`);
    return [];
  }
  const out: Threshold[] = [];
  for (const [metric, v] of Object.entries(input as Thresholds)) {
    const list = Array.isArray(v) ? v : [v];
    list.forEach((c, i) => {
      const t = parseOne(metric, c, `${path}['${metric}']${Array.isArray(v) ? `[${i}]` : ''}`, problems);
      if (t) out.push(t);
    });
  }
  return out;
}

/** `--threshold 'phase.tftp.p95<2s'` (spaces optional), each at `--threshold[i]`. */
export function parseCliThresholds(args: string[], problems: Problems): Threshold[] {
  return args.flatMap((a, i) => {
    const m = /^\s*((?:site\[[^\]]*\]\.)?[^<>=!\s]+)\s*((?:<=|>=|==|!=|<|>).*)$/.exec(a);
    if (!m) {
      problems.add(`--threshold[${i}]`, `expected METRIC OP VALUE like 'phase.tftp.p95<2s', got '${a}'`);
      return [];
    }
    const t = parseOne(m[1]!, m[2]!, `--threshold[${i}] '${a}'`, problems);
    return t ? [t] : [];
  });
}

/** Whether `value` satisfies the threshold (null: no sample, which never does). */
export function holds(t: Pick<Threshold, 'op' | 'limit'>, value: number | null): boolean {
  if (value === null) return false;
  switch (t.op) {
    case '<':
      return value < t.limit;
    case '<=':
      return value <= t.limit;
    case '>':
      return value > t.limit;
    case '>=':
      return value >= t.limit;
    case '==':
      return value === t.limit;
    case '!=':
      return value !== t.limit;
  }
}
