/**
 * Time for the lab. Everything that waits goes through a Clock so tests can inject fake time
 * and runs can compress modelled durations with `timeScale` (0 = as fast as possible).
 *
 * Invariant: `now()` is monotonic ms since the clock's origin (the run start), never wall time.
 */
export interface Clock {
  now(): number;
  /** Wait `ms` of *modelled* time (scaled by timeScale). 0 still yields to the event loop. */
  sleep(ms: number): Promise<void>;
  /** Call `fn` after `ms` of modelled time; returns a cancel function. */
  after(ms: number, fn: () => void): () => void;
  readonly timeScale: number;
}

export function realClock(timeScale = 1, origin = performance.now()): Clock {
  const scaled = (ms: number) => Math.max(0, ms * timeScale);
  return {
    timeScale,
    now: () => performance.now() - origin,
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const d = scaled(ms);
        if (d < 1) setImmediate(resolve);
        else setTimeout(resolve, d);
      }),
    after(ms, fn) {
      const d = scaled(ms);
      if (d < 1) {
        const h = setImmediate(fn);
        return () => clearImmediate(h);
      }
      const h = setTimeout(fn, d);
      return () => clearTimeout(h);
    },
  };
}
