/**
 * metrics.csv in long format (`run_id,metric,scope,stat,value`), one row per number, so trend
 * tools can append runs and pivot freely. Scopes: `fleet`, `site:<name>`, `proto:<redfish|ipmi>`,
 * `threshold:<name>`. Durations are modelled ms (`time_scale` row: wall = modelled × it; the
 * `run_duration_wall_ms` row is the wall length), rates per modelled second/minute as named.
 */
import type { RunMetrics } from './metrics.ts';
import type { Stat } from './stats/stat.ts';
import { STAT_FIELDS } from './stats/stat.ts';
import { PHASES } from './phases.ts';
import { csvField } from './format.ts';
import { wallMs } from './time-basis.ts';

export function metricsCsv(m: RunMetrics): string {
  const runId = m.config?.runId ?? 'unknown';
  const rows: string[] = ['run_id,metric,scope,stat,value'];
  const row = (metric: string, scope: string, stat: string, value: number) => rows.push([runId, metric, scope, stat, value].map(csvField).join(','));
  const stat = (metric: string, scope: string, s: Stat) => {
    for (const f of STAT_FIELDS) if (f === 'count' || f === 'errors' || s.count > 0) row(metric, scope, f, s[f]);
  };
  row('nodes', 'fleet', 'total', m.counts.total);
  row('nodes', 'fleet', 'ready', m.counts.ready);
  row('nodes', 'fleet', 'failed', m.counts.failed);
  row('nodes', 'fleet', 'unfinished', m.counts.unfinished);
  row('run_duration_ms', 'fleet', 'value', m.durationMs);
  row('run_duration_wall_ms', 'fleet', 'value', wallMs(m, m.durationMs));
  if (m.config?.timeScale !== null && m.config?.timeScale !== undefined) row('time_scale', 'fleet', 'value', m.config.timeScale);
  stat('time_to_ready_ms', 'fleet', m.timeToReady);
  for (const p of PHASES) {
    const s = m.phases[p];
    if (s) stat(`phase_ms.${p}`, 'fleet', s);
  }
  stat('retries', 'fleet', m.retries);
  row('dhcp_retransmits', 'fleet', 'count', m.dhcpRetransmits);
  stat('dhcp_exchange_ms', 'fleet', m.latency.dhcp);
  stat('tftp_transfer_ms', 'fleet', m.latency.tftp);
  stat('http_request_ms', 'fleet', m.latency.http);
  stat('image_download_ms', 'fleet', m.latency.image);
  stat('bmc_request_ms', 'fleet', m.latency.bmc);
  for (const [proto, s] of Object.entries(m.latency.bmcByProto)) stat('bmc_request_ms', `proto:${proto}`, s);
  const r = m.rates;
  const rate = (metric: string, a: number[]) => {
    row(metric, 'fleet', 'mean', a.length ? a.reduce((x, y) => x + y, 0) / a.length : 0);
    row(metric, 'fleet', 'max', a.length ? Math.max(...a) : 0);
  };
  rate('dhcp_exchanges_per_s', r.dhcpPerSec);
  rate('http_mb_per_s', r.httpMBps);
  rate('tftp_mb_per_s', r.tftpMBps);
  rate('image_mb_per_s', r.imageMBps);
  rate('nodes_ready_per_min', r.readyPerMin);
  for (const s of m.sites) {
    const scope = `site:${s.site}`;
    row('nodes', scope, 'total', s.nodes);
    row('nodes', scope, 'ready', s.ready);
    row('nodes', scope, 'failed', s.failed);
    stat('time_to_ready_ms', scope, s.timeToReady);
  }
  for (const th of m.thresholds) {
    row('threshold', `threshold:${th.name}`, 'ok', th.ok ? 1 : 0);
    if (th.value !== null) row('threshold', `threshold:${th.name}`, 'value', th.value);
  }
  for (const [code, count] of Object.entries(m.errorCodes)) row('errors', `code:${code}`, 'count', count);
  return rows.join('\n') + '\n';
}
