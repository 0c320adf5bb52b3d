/**
 * Live progress on stderr: on a TTY one redrawn line (elapsed, nodes per phase, ready/failed);
 * otherwise (CI logs) one line per step, fault and wave decision as they happen, plus a status
 * line every `everyMs` (env FLEETLAB_PROGRESS_S, default 10 s) with nodes per phase and an ETA
 * from the ready rate so far, so a long nightly shows life. Elapsed times here are wall-clock (a
 * live clock); the reports are in modelled time. stdout stays free for the summary or `--json`.
 */
import type { FleetEvent } from '../../lab/base/event.ts';
import type { NodeTracker } from './node-tracker.ts';

export class Progress {
  private timer: NodeJS.Timeout | null = null;
  private lastLen = 0;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly tracker: NodeTracker,
    private readonly now: () => number,
    private readonly quiet: boolean,
    private readonly everyMs = progressEveryMs(),
  ) {}

  start(): void {
    if (this.quiet) return;
    this.timer = this.out.isTTY ? setInterval(() => this.draw(), 250) : setInterval(() => this.line(this.status(true)), this.everyMs);
    this.timer.unref();
  }

  onEvent(e: FleetEvent): void {
    if (this.quiet) return;
    if (e.kind === 'step.start' && !this.out.isTTY) this.line(`[${sec(e.t)}] ${e.step} …`);
    else if (e.kind === 'step.end') this.line(`[${sec(e.t)}] ${e.step} ${e.ok ? 'done' : 'FAILED'} in ${sec(e.ms)}${e.error ? `: ${e.error}` : ''}`);
    else if (e.kind === 'fault.start' && !this.out.isTTY) this.line(`[${sec(e.t)}] fault ${e.fault} ${e.id} on ${e.selector}`);
    else if (e.kind === 'wave.decision') this.line(`[${sec(e.t)}] wave ${e.wave}: ${e.decision} (${e.nodes} nodes)${e.detail ? ` ${e.detail}` : ''}`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.out.isTTY && this.lastLen) this.out.write('\r' + ' '.repeat(this.lastLen) + '\r');
    this.lastLen = 0;
  }

  private line(s: string): void {
    if (this.out.isTTY && this.lastLen) this.out.write('\r' + ' '.repeat(this.lastLen) + '\r');
    this.lastLen = 0;
    this.out.write(s + '\n');
  }

  private draw(): void {
    const s = this.status(false);
    const cols = (this.out as { columns?: number }).columns ?? 120;
    const text = s.slice(0, cols - 1);
    this.out.write('\r' + text + ' '.repeat(Math.max(0, this.lastLen - text.length)));
    this.lastLen = text.length;
  }

  /** `[t] ready r/n failed f | phase count …` (+ ETA from the ready rate so far). */
  status(withEta: boolean): string {
    const counts = new Map<string, number>();
    let ready = 0;
    let failed = 0;
    for (const p of this.tracker.nodes.values()) {
      if (p.failedAt !== null) failed++;
      else if (p.readyAt !== null) ready++;
      else counts.set(p.phase ?? 'off', (counts.get(p.phase ?? 'off') ?? 0) + 1);
    }
    const parts = [...counts].map(([k, v]) => `${k} ${v}`);
    const now = this.now();
    const left = this.tracker.nodes.size - ready - failed;
    const eta = withEta ? (ready > 0 && left > 0 ? ` | ETA ~${sec((now / ready) * left)}` : left === 0 ? ' | all settled' : ' | ETA unknown (none ready yet)') : '';
    return `[${sec(now)}] ready ${ready}/${this.tracker.nodes.size} failed ${failed} | ${parts.join(' ')}${eta}`;
  }
}

/** FLEETLAB_PROGRESS_S (seconds between status lines on a non-TTY), default 10. */
function progressEveryMs(): number {
  const s = Number(process.env.FLEETLAB_PROGRESS_S);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 10_000;
}

const sec = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
