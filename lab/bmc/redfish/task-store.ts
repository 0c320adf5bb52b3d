/**
 * Redfish tasks (TaskService/Tasks) for long operations such as UpdateService.SimpleUpdate.
 * No timers: a task's state is a pure function of the clock — elapsed / durationMs gives
 * PercentComplete, and a task marked to fail turns to Exception at `failAtPct`.
 *
 *   New (0%) ──▶ Running (1..99%) ──▶ Completed (100%)
 *                      └──(failAtPct)──▶ Exception
 *
 * Bounded: the store keeps the newest `max` tasks (TASK_HISTORY_MAX = 1000 unless told),
 * evicting the oldest first (Map insertion order); a forgotten task's GET answers 404, as a
 * BMC that purged its task list does.
 */
import type { Clock } from '../../base/clock.ts';

export type TaskState = 'New' | 'Running' | 'Completed' | 'Exception';

export interface Task {
  id: string;
  name: string;
  startedAt: number;
  durationMs: number;
  /** Percent at which the task fails, when it is going to. */
  failAtPct?: number;
  failMessage?: string;
  /** Resource the task acts on (e.g. a system's URI), for the Payload/links. */
  targetUri?: string;
  /** Credential identity that created it: only it sees the task. */
  owner?: string;
  /** Called once when the task is first observed Completed (e.g. bump firmware version). */
  onComplete?: () => void;
  completedSeen?: boolean;
}

export interface TaskView {
  state: TaskState;
  percent: number;
  messages: string[];
  startTime: string;
  endTime?: string;
}

/** Tasks kept by default: a soak of SimpleUpdate calls must not grow the store without bound. */
export const TASK_HISTORY_MAX = 1000;

export class TaskStore {
  private readonly tasks = new Map<string, Task>();
  private seq = 0;
  /** Wall time of the clock's origin, for StartTime/EndTime strings. */
  private readonly wallOrigin: number;

  constructor(
    private readonly clock: Clock,
    readonly max = TASK_HISTORY_MAX,
  ) {
    this.wallOrigin = Date.now() - clock.now();
  }

  create(t: Omit<Task, 'id' | 'startedAt'>): Task {
    const task: Task = { ...t, id: String(++this.seq), startedAt: this.clock.now() };
    this.tasks.set(task.id, task);
    while (this.tasks.size > this.max) {
      const oldest = this.tasks.keys().next().value;
      if (oldest === undefined) break;
      this.tasks.delete(oldest);
    }
    return task;
  }

  get(id: string): Task | undefined {
    return this.tasks.get(id);
  }

  get size(): number {
    return this.tasks.size;
  }

  list(): Task[] {
    return [...this.tasks.values()];
  }

  view(t: Task): TaskView {
    const elapsed = this.clock.now() - t.startedAt;
    const pct = t.durationMs <= 0 ? 100 : Math.min(100, Math.floor((elapsed / t.durationMs) * 100));
    const startTime = new Date(this.wallOrigin + t.startedAt).toISOString();
    if (t.failAtPct !== undefined && pct >= t.failAtPct) {
      const end = new Date(this.wallOrigin + t.startedAt + (t.durationMs * t.failAtPct) / 100).toISOString();
      return { state: 'Exception', percent: t.failAtPct, messages: [t.failMessage ?? 'Task failed.'], startTime, endTime: end };
    }
    if (pct >= 100) {
      if (!t.completedSeen) {
        t.completedSeen = true;
        t.onComplete?.();
      }
      const end = new Date(this.wallOrigin + t.startedAt + t.durationMs).toISOString();
      return { state: 'Completed', percent: 100, messages: ['Task completed successfully.'], startTime, endTime: end };
    }
    return { state: pct === 0 ? 'New' : 'Running', percent: pct, messages: [], startTime };
  }
}
