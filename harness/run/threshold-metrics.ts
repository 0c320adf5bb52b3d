/**
 * Threshold metric names → one number of a run's metrics (RunMetrics, modelled time), so any
 * figure a report prints can be a threshold (k6-style) without a helper per figure:
 *
 *   [site[KEY=VALUE].]  ready.ratio | ready.count | failed.ratio | failed.count | unfinished.count | nodes.count
 *                       ttr.AGG | phase.PHASE.AGG                         (AGG: p50 p90 p95 p99 pNN min max mean count)
 *   latency.{dhcp,tftp,http,image,bmc}.{AGG,errors}   retries.AGG   dhcp.retransmits
 *   errors.CODE (nodes failed with CODE)   errors.total   log.errors   target.api.errors   duration   host.saturatedMs
 *
 * A `site[...]` selector (KEY: name, tier, link = the WAN preset, or a site label) narrows the node
 * metrics to the nodes of matching sites; its phase times are each node's last provisioning.
 * `target.api.errors` counts error log lines the target reported (its server crashed or answered
 * with an error, code FLEETLAB_ERR_TARGET…). A value is null when there is no sample (no node
 * reached that phase): a threshold on it fails rather than passing on nothing.
 */
import { ERRORS } from '../../lab/base/errors.ts';
import { NODE_PHASES, type NodePhase } from '../../lab/base/event.ts';
import { computeStat, quantileSorted, type Stat } from '../../reports/stats/stat.ts';
import type { NodeMetrics, RunMetrics } from '../../reports/metrics.ts';

/** Attributes a `site[KEY=VALUE]` selector matches: name, tier, link and the site's labels. */
export type SiteAttrs = Map<string, Record<string, string>>;

export interface MetricRef {
  site: { key: string; value: string } | null;
  /** The metric without its selector, e.g. `phase.tftp.p95`. */
  name: string;
}

const AGG = '(p\\d+(?:\\.\\d+)?|min|max|mean|count)';
const LATENCIES = ['dhcp', 'tftp', 'http', 'image', 'bmc'] as const;
const NODE_COUNTS = ['ready.ratio', 'ready.count', 'failed.ratio', 'failed.count', 'unfinished.count', 'nodes.count'];
const FLEET_ONLY = [`^latency\\.(${LATENCIES.join('|')})\\.(${AGG.slice(1, -1)}|errors)$`, `^retries\\.${AGG}$`, '^dhcp\\.retransmits$', '^errors\\.[A-Za-z0-9_.-]+$', '^log\\.errors$', '^target\\.api\\.errors$', '^duration$', '^host\\.saturatedMs$'].map((r) => new RegExp(r));
const NODE_RE = [new RegExp(`^ttr\\.${AGG}$`), new RegExp(`^phase\\.([a-z-]+)\\.${AGG}$`)];

/** Whether the metric's value is a duration (a `2s` limit makes sense for it). */
export function isDurationMetric(name: string): boolean {
  return /^(ttr|phase\.[a-z-]+|latency\.[a-z]+)\.(p\d|min|max|mean)/.test(name) || name === 'duration' || name === 'host.saturatedMs';
}

/** Parses `site[k=v].rest` / `rest`; a problem text when the name is not a known metric. */
export function parseMetric(text: string): MetricRef | string {
  let site: MetricRef['site'] = null;
  let name = text.trim();
  const sel = /^site\[\s*([A-Za-z0-9_.-]+)\s*=\s*([^\]]*?)\s*\]\.(.+)$/.exec(name);
  if (sel) {
    site = { key: sel[1]!, value: sel[2]! };
    name = sel[3]!;
  } else if (name.startsWith('site[')) return `expected site[KEY=VALUE].METRIC, e.g. site[link=dsl].ttr.p50, got '${text}'`;
  const nodeMetric = NODE_COUNTS.includes(name) || NODE_RE.some((r) => r.test(name));
  if (!nodeMetric && !FLEET_ONLY.some((r) => r.test(name))) return `unknown metric '${name}' (known: ready.ratio, failed.count, ttr.p95, phase.<phase>.p95, latency.tftp.p95, errors.<code>, target.api.errors, log.errors, duration, … see README "Thresholds")`;
  if (site && !nodeMetric) return `'${name}' is a fleet-wide metric: a site[...] selector takes ready.*, failed.*, unfinished.count, nodes.count, ttr.* or phase.*`;
  const phase = /^phase\.([a-z-]+)\./.exec(name)?.[1];
  if (phase !== undefined && (!(NODE_PHASES as readonly string[]).includes(phase) || phase === 'ready')) return `unknown phase '${phase}' in '${name}' (phases: ${NODE_PHASES.filter((p) => p !== 'ready').join(', ')})`;
  const q = /\.p(\d+(?:\.\d+)?)$/.exec(name)?.[1];
  if (q !== undefined && !(Number(q) > 0 && Number(q) < 100)) return `percentile p${q} in '${name}' must be between p0 and p100 (exclusive)`;
  return { site, name };
}

const fin = (x: number): number | null => (Number.isFinite(x) ? x : null);

function agg(s: Stat, a: string): number | null {
  if (a === 'count') return s.count;
  if (a === 'min' || a === 'max' || a === 'mean') return fin(s[a]);
  const q = Number(a.slice(1)) / 100;
  const sorted = Float64Array.from(s.samples).sort();
  return fin(quantileSorted(Array.from(sorted), q));
}

function nodeCounts(nodes: NodeMetrics[], name: string): number | null {
  const ready = nodes.filter((n) => n.outcome === 'ready').length;
  const failed = nodes.filter((n) => n.outcome === 'failed').length;
  switch (name) {
    case 'ready.ratio':
      return nodes.length ? ready / nodes.length : null;
    case 'failed.ratio':
      return nodes.length ? failed / nodes.length : null;
    case 'ready.count':
      return ready;
    case 'failed.count':
      return failed;
    case 'unfinished.count':
      return nodes.length - ready - failed;
    default:
      return nodes.length;
  }
}

/** ttr/phase stats of a node subset: each node's last provisioning. */
function nodeStat(nodes: NodeMetrics[], name: string): Stat {
  const phase = /^phase\.([a-z-]+)\./.exec(name)?.[1] as NodePhase | undefined;
  const ms = phase ? nodes.flatMap((n) => (n.phaseMs[phase] !== undefined ? [n.phaseMs[phase]] : [])) : nodes.flatMap((n) => (n.timeToReadyMs !== null ? [n.timeToReadyMs] : []));
  return computeStat(ms);
}

/** The aggregate a ttr/phase metric ends with (`p95`, `p99.9`, `max`…). */
const aggOf = (name: string) => new RegExp(`\\.${AGG}$`).exec(name)![1]!;

function sumCodes(codes: Record<string, number>, pick: (code: string) => boolean): number {
  return Object.entries(codes).reduce((s, [c, n]) => s + (pick(c) ? n : 0), 0);
}

function fleetValue(m: RunMetrics, name: string): number | null {
  if (name.startsWith('latency.')) {
    const [, which, a] = /^latency\.([a-z]+)\.(.+)$/.exec(name)!;
    const s = m.latency[which as (typeof LATENCIES)[number]];
    return a === 'errors' ? s.errors : agg(s, a!);
  }
  if (name.startsWith('retries.')) return agg(m.retries, name.slice('retries.'.length));
  if (name === 'dhcp.retransmits') return m.dhcpRetransmits;
  if (name === 'errors.total') return m.counts.failed;
  if (name.startsWith('errors.')) return m.errorCodes[name.slice('errors.'.length)] ?? 0;
  if (name === 'log.errors') return sumCodes(m.logErrorCodes, () => true);
  if (name === 'target.api.errors') return sumCodes(m.logErrorCodes, (c) => c.startsWith(ERRORS.TARGET.code));
  if (name === 'duration') return m.durationMs;
  return m.host.saturatedMs;
}

/** The value of a parsed metric in `m` (null: no sample). `sites` resolves site[...] selectors. */
export function metricValue(m: RunMetrics, ref: MetricRef, sites: SiteAttrs): number | null {
  const { name } = ref;
  const nodeMetric = NODE_COUNTS.includes(name) || NODE_RE.some((r) => r.test(name));
  if (!nodeMetric) return fleetValue(m, name);
  let nodes = m.nodes;
  if (ref.site) {
    const { key, value } = ref.site;
    nodes = nodes.filter((n) => sites.get(n.site)?.[key] === value);
  }
  if (NODE_COUNTS.includes(name)) return nodeCounts(nodes, name);
  // Fleet-wide ttr/phase use every provisioning (the reports' figures); a site subset its nodes' last.
  const a = aggOf(name);
  if (!ref.site) {
    const phase = /^phase\.([a-z-]+)\./.exec(name)?.[1] as NodePhase | undefined;
    const s = phase ? m.phases[phase] : m.timeToReady;
    return s ? agg(s, a) : a === 'count' ? 0 : null;
  }
  return agg(nodeStat(nodes, name), a);
}
