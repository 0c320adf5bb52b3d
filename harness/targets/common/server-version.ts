/**
 * The version of a server under test, for run.json's `target.version` (a `target.version`
 * event): a host binary's own `--version` line, or what an HTTP API's root document says.
 * Best effort: a server that does not tell gives an empty record, never a failed run.
 */
import { execFile } from 'node:child_process';
import type { EventSink } from '../../../lab/base/event.ts';

/** The first line `cmd args` prints (stdout, else stderr), trimmed; '' when it cannot run. */
export function commandVersion(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 10_000 }, (_err, stdout, stderr) => resolve((String(stdout).trim() || String(stderr).trim()).split('\n')[0]!.trim()));
  });
}

/** GET `url` as JSON (undefined on any failure). */
export async function fetchJson(url: string, signal?: AbortSignal): Promise<unknown> {
  try {
    const r = await fetch(url, { signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(10_000)]) : AbortSignal.timeout(10_000) });
    return r.ok ? await r.json() : undefined;
  } catch {
    return undefined;
  }
}

/** Emits the record unless it is empty. */
export function emitVersion(events: EventSink, target: string, version: Record<string, string | undefined>): void {
  const v = Object.fromEntries(Object.entries(version).filter((e): e is [string, string] => !!e[1]));
  if (Object.keys(v).length) events.emit({ kind: 'target.version', target, version: v });
}
