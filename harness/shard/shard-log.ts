/**
 * One shard's run directory read for a merge: its manifest, its events moved onto the merged
 * run's time axis, and what became of it (ended with a status, or died without run.end).
 *
 *   shard.json + events.ndjson ─▶ anchor = wallStart(run.start) − t(run.start)
 *     ─▶ every event: t += anchor − mergedAnchor; names a report keys runs by (steps, thresholds,
 *        fault ids, waves) get a "[shard i/N] " prefix so three shards' "provision" steps stay three
 *     ─▶ node.info for manifest nodes the log never named (a shard killed before its lab started),
 *        so they count as unfinished instead of vanishing
 */
import { join } from 'node:path';
import type { FleetEvent, EventOf, RunStatus } from '../../lab/base/event.ts';
import { FleetlabError } from '../../lab/base/errors.ts';
import { readEventLog } from '../../reports/parse-event-log.ts';
import { readShardManifest, type ShardManifest } from './shard-manifest.ts';
import { shardLabel } from './shard-spec.ts';

export interface ShardLog {
  dir: string;
  manifest: ShardManifest;
  start: EventOf<'run.start'>;
  /** Wall-clock ms of the shard's t = 0. */
  anchorMs: number;
  /** null: the log ends without run.end (the shard died). */
  status: RunStatus | null;
  reason?: string;
  events: FleetEvent[];
  truncated: boolean;
}

export async function readShardLog(dir: string): Promise<ShardLog> {
  const manifest = readShardManifest(dir);
  let log;
  try {
    log = await readEventLog(join(dir, 'events.ndjson'));
  } catch (e) {
    throw new FleetlabError('MERGE_INVALID', `${dir}: no events.ndjson (${(e as Error).message})`);
  }
  const start = log.events.find((e): e is EventOf<'run.start'> => e.kind === 'run.start');
  if (!start) throw new FleetlabError('MERGE_INVALID', `${dir}: events.ndjson has no run.start; the shard never began (start it again)`);
  const end = log.events.find((e): e is EventOf<'run.end'> => e.kind === 'run.end');
  return {
    dir,
    manifest,
    start,
    anchorMs: Date.parse(start.wallStart) - start.t,
    status: end?.status ?? null,
    ...(end?.reason !== undefined ? { reason: end.reason } : {}),
    events: log.events,
    truncated: log.truncated,
  };
}

/** The shard's events on the merged time axis (`offsetMs` after the merged t = 0), run.start/run.end left out. */
export function shiftedEvents(s: ShardLog, offsetMs: number): FleetEvent[] {
  const tag = `[shard ${shardLabel(s.manifest.shard)}] `;
  const at = (t: number) => Math.round((t + offsetMs) * 1000) / 1000;
  const out: FleetEvent[] = [];
  const named = new Set<string>();
  for (const e of s.events) {
    if (e.kind === 'run.start' || e.kind === 'run.end') continue;
    if (e.kind === 'node.info') named.add(e.node);
    out.push(renamed({ ...e, t: at(e.t) }, tag));
  }
  const missing = s.manifest.nodes.filter((n) => !named.has(n.name));
  out.unshift(...missing.map((n): FleetEvent => ({ kind: 'node.info', t: at(s.start.t), node: n.name, site: n.site, profile: n.profile, macs: n.macs, bmc: n.bmc })));
  return out;
}

function renamed(e: FleetEvent, tag: string): FleetEvent {
  switch (e.kind) {
    case 'step.start':
    case 'step.end':
      return { ...e, step: tag + e.step };
    case 'expect.result':
      return { ...e, name: tag + e.name };
    case 'fault.start':
    case 'fault.stop':
      return { ...e, id: tag + e.id };
    case 'wave.decision':
      return { ...e, wave: tag + e.wave };
    default:
      return e;
  }
}
