/**
 * Last-resort cleanup when the process exits without running its async teardowns (an uncaught
 * exception, process.exit() from elsewhere). Each live resource registers a synchronous cleanup;
 * normal teardown unregisters it. SIGINT/SIGTERM are handled by the CLI (abort → async teardown);
 * this guard only covers the paths where the event loop is already gone.
 */
const live = new Set<() => void>();
let installed = false;

function runAll(): void {
  // Reverse registration order: nodes (qemu) before their site (netns).
  for (const fn of [...live].reverse()) {
    try {
      fn();
    } catch {
      // best effort: keep going
    }
  }
  live.clear();
}

/** Register a synchronous cleanup; returns the unregister function. */
export function guardOnExit(cleanup: () => void): () => void {
  if (!installed) {
    installed = true;
    process.once('exit', runAll);
  }
  live.add(cleanup);
  return () => {
    live.delete(cleanup);
  };
}
