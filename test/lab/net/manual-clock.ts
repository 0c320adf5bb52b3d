/**
 * A Clock for tests whose time moves only when the test says so. Timers fire in time order
 * (FIFO among equal times); `run(ms)` lets promise chains settle between timers so code that
 * awaits a timer and schedules the next one behaves as under real time.
 */
import type { Clock } from '../../../lab/base/clock.ts';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export class ManualClock implements Clock {
  timeScale = 1;
  private t = 0;
  private seq = 0;
  private timers: Timer[] = [];

  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    return new Promise((r) => this.after(ms, r));
  }
  after(ms: number, fn: () => void): () => void {
    const timer: Timer = { at: this.t + Math.max(0, ms * this.timeScale), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }
  get pending(): number {
    return this.timers.filter((x) => !x.cancelled).length;
  }
  /** Advance `ms`, firing due timers in order and letting microtasks settle after each. */
  async run(ms: number): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (;;) {
      this.timers = this.timers.filter((x) => !x.cancelled);
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = Math.max(this.t, next.at);
      next.fn();
      await settle();
    }
    this.t = end;
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}
