/** A counting semaphore: FIFO waiters, no timers. */
export class Semaphore {
  private queue: (() => void)[] = [];
  private head = 0;
  constructor(private free: number) {}

  async acquire(): Promise<() => void> {
    if (this.free > 0) {
      this.free--;
      return () => this.release();
    }
    await new Promise<void>((r) => this.queue.push(r));
    return () => this.release();
  }

  private release(): void {
    if (this.head < this.queue.length) {
      const next = this.queue[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      next();
    } else this.free++;
  }
}
