/**
 * Live progress on stderr: on a TTY one redrawn line (elapsed, nodes per phase, ready/failed);
 * otherwise quiet, one line per step. stdout stays free for the summary or `--json`.
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
  ) {}

  start(): void {
    if (this.out.isTTY && !this.quiet) {
      this.timer = setInterval(() => this.draw(), 250);
      this.timer.unref();
    }
  }

  onEvent(e: FleetEvent): void {
    if (this.quiet) return;
    if (e.kind === 'step.start' && !this.out.isTTY) this.line(`[${sec(e.t)}] ${e.step} …`);
    else if (e.kind === 'step.end') this.line(`[${sec(e.t)}] ${e.step} ${e.ok ? 'done' : 'FAILED'} in ${sec(e.ms)}${e.error ? `: ${e.error}` : ''}`);
    else if (e.kind === 'fault.start' && !this.out.isTTY) this.line(`[${sec(e.t)}] fault ${e.fault} ${e.id} on ${e.selector}`);
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
    const counts = new Map<string, number>();
    let ready = 0;
    let failed = 0;
    for (const p of this.tracker.nodes.values()) {
      if (p.failedAt !== null) failed++;
      else if (p.readyAt !== null) ready++;
      else counts.set(p.phase ?? 'off', (counts.get(p.phase ?? 'off') ?? 0) + 1);
    }
    const parts = [...counts].map(([k, v]) => `${k} ${v}`);
    const s = `[${sec(this.now())}] ready ${ready}/${this.tracker.nodes.size} failed ${failed} | ${parts.join(' ')}`;
    const cols = (this.out as { columns?: number }).columns ?? 120;
    const text = s.slice(0, cols - 1);
    this.out.write('\r' + text + ' '.repeat(Math.max(0, this.lastLen - text.length)));
    this.lastLen = text.length;
  }
}

const sec = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
