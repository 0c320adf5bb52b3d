/**
 * `fleetlab merge`: shard run directories of one run ─▶ one run directory, reported like any run.
 *
 *   shard dirs ─read (shard-log.ts)─▶ same run? (scenario, seed, params, N; each shard once)
 *     ─▶ merged t = 0 at the earliest shard's wall-clock anchor; every shard's events shifted onto it
 *     ─▶ run.start (whole run's nodes/sites) + events in time order + a log line per shard that
 *        died (no run.end) or is missing + run.end (interrupted if one did, else the worst status)
 *     ─▶ events.ndjson ─▶ reports
 *
 * A shard that died keeps what it logged; its nodes that never became ready or failed are
 * unfinished in the merged report, and its death is an error line with FLEETLAB_ERR_SHARD_DIED.
 * Reports are the ordinary ones (reports/write-reports.ts), so `fleetlab report` and `compare`
 * work on a merged run as on any other.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EventBody, FleetEvent, RunStatus } from '../../lab/base/event.ts';
import { ERRORS, FleetlabError } from '../../lab/base/errors.ts';
import { buildReports, writeAtomic } from '../../reports/write-reports.ts';
import type { JsonSummary } from '../../reports/summary.ts';
import { readShardLog, shiftedEvents, type ShardLog } from './shard-log.ts';

export interface ShardOutcome {
  shard: string;
  dir: string;
  /** 'died': the log ends without run.end; 'missing': no directory given for this shard. */
  status: RunStatus | 'died' | 'missing';
  nodes: number;
  reason?: string;
}

export interface MergeResult {
  runDir: string;
  status: RunStatus;
  shards: ShardOutcome[];
  summary: JsonSummary;
  text: string;
}

export async function mergeShardRuns(dirs: string[], outDir: string): Promise<MergeResult> {
  if (dirs.length === 0) throw new FleetlabError('USAGE', 'expected at least one shard run directory');
  const logs = await Promise.all(dirs.map((d) => readShardLog(resolve(d))));
  checkOneRun(logs);
  const count = logs[0]!.manifest.shard.count;
  const outcomes = shardOutcomes(logs, count);
  const events = mergedEvents(logs, outcomes);
  const runDir = resolve(outDir);
  mkdirSync(runDir, { recursive: true });
  await writeAtomic(join(runDir, 'events.ndjson'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  writeFileSync(join(runDir, 'shards.json'), JSON.stringify({ count, shards: outcomes }, null, 2) + '\n');
  const built = await buildReports(runDir);
  return { runDir, status: (events[events.length - 1] as { status: RunStatus }).status, shards: outcomes, summary: built.summary, text: built.text };
}

/** Every directory is a shard of the same run, and each shard appears once. */
function checkOneRun(logs: ShardLog[]): void {
  const first = logs[0]!.manifest;
  const key = (m: ShardLog['manifest']) => JSON.stringify([m.scenario, m.seed, m.params, m.shard.count, m.totalNodes]);
  const problems: string[] = [];
  const seen = new Map<number, string>();
  for (const l of logs) {
    if (key(l.manifest) !== key(first)) problems.push(`${l.dir}: shard of another run (scenario ${l.manifest.scenario}, seed ${l.manifest.seed}, ${l.manifest.shard.count} shards, params ${JSON.stringify(l.manifest.params)}) than ${logs[0]!.dir}`);
    const other = seen.get(l.manifest.shard.index);
    if (other) problems.push(`${l.dir}: shard ${l.manifest.shard.index}/${l.manifest.shard.count} given twice (also ${other})`);
    seen.set(l.manifest.shard.index, l.dir);
  }
  if (problems.length) throw new FleetlabError('MERGE_INVALID', problems.join('\n'));
}

function shardOutcomes(logs: ShardLog[], count: number): ShardOutcome[] {
  const byIndex = new Map(logs.map((l) => [l.manifest.shard.index, l]));
  return Array.from({ length: count }, (_, k): ShardOutcome => {
    const l = byIndex.get(k + 1);
    const shard = `${k + 1}/${count}`;
    if (!l) return { shard, dir: '', status: 'missing', nodes: 0 };
    return { shard, dir: l.dir, status: l.status ?? 'died', nodes: l.manifest.nodes.length, ...(l.reason !== undefined ? { reason: l.reason } : {}) };
  });
}

/** run.start, every shard's events in time order with a line per dead or missing shard, run.end. */
function mergedEvents(logs: ShardLog[], outcomes: ShardOutcome[]): FleetEvent[] {
  const anchor = Math.min(...logs.map((l) => l.anchorMs));
  const body: FleetEvent[] = [];
  for (const l of logs) {
    const shifted = shiftedEvents(l, l.anchorMs - anchor);
    body.push(...shifted);
    if (l.status === null) {
      const lastT = shifted.length ? shifted[shifted.length - 1]!.t : 0;
      body.push(logLine(lastT, `shard ${l.manifest.shard.index}/${l.manifest.shard.count} died: ${l.dir}/events.ndjson ends without run.end${l.truncated ? ' (last line cut short)' : ''}; its nodes not ready or failed by then are unfinished`));
    }
  }
  for (const o of outcomes.filter((x) => x.status === 'missing')) body.push(logLine(0, `shard ${o.shard} missing: no run directory given for it; its nodes are not in this report`));
  // Stable: events of one shard keep their order at equal t.
  body.sort((a, b) => a.t - b.t);
  const m = logs[0]!;
  const start: FleetEvent = {
    ...m.start,
    t: 0,
    runId: `${m.manifest.runId}-merged`,
    wallStart: new Date(anchor).toISOString(),
    nodes: m.manifest.totalNodes,
    sites: m.manifest.totalSites,
    testbed: { ...m.start.testbed, scale: m.manifest.totalNodes },
  };
  const endT = body.length ? body[body.length - 1]!.t : 0;
  return [start, ...body, { t: endT, ...runEnd(outcomes) } as FleetEvent];
}

function logLine(t: number, msg: string): FleetEvent {
  return { kind: 'log', t, level: 'error', code: ERRORS.SHARD_DIED.code, msg };
}

/**
 * A dead or missing shard cut the run short: 'interrupted' (junit.xml then carries a run-status
 * error naming the shard and the unfinished nodes); otherwise the worst shard status.
 */
function runEnd(outcomes: ShardOutcome[]): Extract<EventBody, { kind: 'run.end' }> {
  const lost = outcomes.filter((o) => o.status === 'died' || o.status === 'missing');
  if (lost.length) return { kind: 'run.end', status: 'interrupted', reason: lost.map((o) => `shard ${o.shard} ${o.status}`).join('; ') };
  for (const s of ['interrupted', 'timedout', 'failed'] as const) {
    const hit = outcomes.filter((o) => o.status === s);
    if (hit.length) return { kind: 'run.end', status: s, reason: hit.map((o) => `shard ${o.shard} ${s}${o.reason ? `: ${o.reason}` : ''}`).join('; ') };
  }
  return { kind: 'run.end', status: 'passed' };
}
