/**
 * Live reporters: optional hooks the runner calls for every event and once at the end. They sit
 * behind a multiplexer so one crashing reporter never kills a run (ARCHITECTURE.md, "Habits"): its error is
 * logged once per hook (later throws are counted and reported at the end) and the others go on.
 *
 *   runner ──onEvent(e)──▶ multiplexer ──try──▶ reporter 1, reporter 2, …
 *          ──onEnd(sum)──▶             ──try/await──▶ …
 */
import type { FleetEvent } from '../lab/base/event.ts';
import type { JsonSummary } from './summary.ts';

export interface Reporter {
  /** Shown in error messages; defaults to the reporter's position. */
  name?: string;
  onEvent?(e: FleetEvent): void;
  onEnd?(summary: JsonSummary): void | Promise<void>;
}

export function multiplexReporters(rs: Reporter[], log: (msg: string) => void): Reporter {
  const throws = rs.map(() => 0);
  const nameOf = (i: number) => rs[i]!.name ?? `reporter #${i + 1}`;
  const failed = (i: number, hook: string, err: unknown) => {
    throws[i]!++;
    if (throws[i] === 1) log(`fleetlab: ${nameOf(i)} threw in ${hook} (run continues): ${err instanceof Error ? err.message : String(err)}`);
  };
  return {
    name: 'multiplexer',
    onEvent(e) {
      for (let i = 0; i < rs.length; i++) {
        const r = rs[i]!;
        if (!r.onEvent) continue;
        try {
          r.onEvent(e);
        } catch (err) {
          failed(i, 'onEvent', err);
        }
      }
    },
    async onEnd(summary) {
      for (let i = 0; i < rs.length; i++) {
        const r = rs[i]!;
        if (r.onEnd) {
          try {
            await r.onEnd(summary);
          } catch (err) {
            failed(i, 'onEnd', err);
          }
        }
        if (throws[i]! > 1) log(`fleetlab: ${nameOf(i)} threw ${throws[i]} times in total`);
      }
    },
  };
}
