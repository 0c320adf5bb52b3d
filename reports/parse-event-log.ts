/**
 * Reads `<run-dir>/events.ndjson` back into events. Every report starts here.
 *
 *   events.ndjson ──lines──▶ JSON.parse ──{kind, t}?──▶ FleetEvent[]
 *
 * A run killed mid-write leaves a last line cut short: it is dropped and `truncated` is set, so
 * reports still build (status 'interrupted' when no run.end made it). A malformed line elsewhere
 * (which a line-atomic writer never produces) is skipped and counted rather than fatal.
 */
import { readFile } from 'node:fs/promises';
import type { FleetEvent } from '../lab/base/event.ts';

/** An events.ndjson read back (harness/events/event-log.ts's EventLog is the writer). */
export interface ParsedEventLog {
  events: FleetEvent[];
  /** The last line was incomplete (no newline and not valid JSON). */
  truncated: boolean;
  /** 1-based numbers of other lines that were not events. */
  badLines: number[];
}

export function parseEventLog(text: string): ParsedEventLog {
  const events: FleetEvent[] = [];
  const badLines: number[] = [];
  let truncated = false;
  const lines = text.split('\n');
  const endsWithNewline = text.endsWith('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const isLast = i === lines.length - 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      if (isLast && !endsWithNewline) truncated = true;
      else badLines.push(i + 1);
      continue;
    }
    if (isEvent(parsed)) events.push(parsed);
    else if (isLast && !endsWithNewline) truncated = true;
    else badLines.push(i + 1);
  }
  return { events, truncated, badLines };
}

function isEvent(v: unknown): v is FleetEvent {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as { kind?: unknown; t?: unknown };
  return typeof o.kind === 'string' && typeof o.t === 'number' && Number.isFinite(o.t);
}

/** Throws the fs error (ENOENT etc.) when the file is missing; callers map it to RUN_LOG_MISSING. */
export async function readEventLog(path: string): Promise<ParsedEventLog> {
  return parseEventLog(await readFile(path, 'utf8'));
}
