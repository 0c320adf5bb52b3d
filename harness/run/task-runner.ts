/**
 * The runner is a list of tasks `{title, setup, teardown}` (Playwright's habit): setups run in
 * order; teardowns run in reverse for exactly the setups that started — also after a failure,
 * a timeout or SIGINT — and a failing teardown is reported without skipping the others.
 */
export interface Task {
  title: string;
  setup(signal: AbortSignal): Promise<void>;
  teardown?(): Promise<void>;
}

export interface TaskRunResult {
  error: unknown;
  failedTask: string | null;
  teardownErrors: { title: string; error: unknown }[];
}

export async function runTasks(tasks: Task[], signal: AbortSignal, onStep?: (title: string, phase: 'setup' | 'teardown', ok: boolean, ms: number, error?: unknown) => void): Promise<TaskRunResult> {
  const started: Task[] = [];
  let error: unknown = null;
  let failedTask: string | null = null;
  for (const t of tasks) {
    if (signal.aborted) break;
    started.push(t);
    const t0 = performance.now();
    try {
      await t.setup(signal);
      onStep?.(t.title, 'setup', true, performance.now() - t0);
    } catch (e) {
      onStep?.(t.title, 'setup', false, performance.now() - t0, e);
      error = e;
      failedTask = t.title;
      break;
    }
  }
  const teardownErrors: TaskRunResult['teardownErrors'] = [];
  for (const t of started.reverse()) {
    if (!t.teardown) continue;
    const t0 = performance.now();
    try {
      await t.teardown();
      onStep?.(t.title, 'teardown', true, performance.now() - t0);
    } catch (e) {
      teardownErrors.push({ title: t.title, error: e });
      onStep?.(t.title, 'teardown', false, performance.now() - t0, e);
    }
  }
  return { error, failedTask, teardownErrors };
}
