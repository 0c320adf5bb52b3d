/**
 * The run's event log: stamps each event with `t` (monotonic ms since run start), fans it out
 * to live listeners and appends it to `<run-dir>/events.ndjson`.
 *
 *   emit(body) ─▶ stamp t ─▶ listeners (progress, reporters, runner waits)
 *                        └─▶ pending lines ──(same event-loop turn ends)──▶ writeSync(fd)
 *
 * Invariants: the file only ever receives whole lines (one writeSync per batch of complete
 * lines), so a run killed at any moment leaves a readable log; batches are written before the
 * process yields to I/O again (setImmediate), and `flush()` forces them out on SIGINT/teardown.
 * A throwing listener is reported once and never stops the log.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { Clock } from '../../lab/base/clock.ts';
import type { EventBody, EventSink, FleetEvent } from '../../lab/base/event.ts';

export type EventListener = (e: FleetEvent) => void;

export class EventLog implements EventSink {
  private fd: number | null;
  private pending: string[] = [];
  private scheduled = false;
  private readonly listeners = new Set<EventListener>();
  private closed = false;
  count = 0;

  constructor(
    path: string | null,
    private readonly clock: Pick<Clock, 'now'>,
    private readonly onListenerError: (err: unknown) => void = (err) => process.stderr.write(`fleetlab: event listener failed: ${String(err)}\n`),
  ) {
    // A run owns its log: reusing an --out directory starts a fresh log instead of mixing runs.
    this.fd = path ? openSync(path, 'w') : null;
  }

  emit(body: EventBody): void {
    if (this.closed) return;
    const e = { t: Math.round(this.clock.now() * 1000) / 1000, ...body } as FleetEvent;
    this.count++;
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.onListenerError(err);
      }
    }
    if (this.fd === null) return;
    this.pending.push(JSON.stringify(e));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  flush(): void {
    this.scheduled = false;
    if (this.fd === null || this.pending.length === 0) return;
    const text = this.pending.join('\n') + '\n';
    this.pending = [];
    writeSync(this.fd, text);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.fd !== null) {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = null;
    }
  }
}
