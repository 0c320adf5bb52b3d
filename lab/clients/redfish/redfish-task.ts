/**
 * Redfish task monitors (DSP0266 §12.2): a long operation answers 202 with a `Location` to poll.
 *
 *   POST … ─▶ 202 Location: …/Monitor ─▶ GET ─▶ 202 (+Retry-After) ─▶ wait ─▶ GET …
 *                                              └▶ 200 Task {TaskState} | 204 ─▶ done or BMC_CLIENT_TASK
 *
 * The BMC's Retry-After sets the pace (clamped to [minPollMs, maxPollMs]); a deadline bounds the wait.
 */
import { FleetlabError } from '../../base/errors.ts';
import type { RedfishClient, RfReply } from './redfish-client.ts';
import { retryAfterMs } from './redfish-retry.ts';

export interface TaskResult {
  state: string;
  percent?: number;
  messages: string[];
  /** The final Task resource (undefined when the monitor answered 204). */
  task?: Record<string, unknown>;
}

export interface TaskWaitOptions {
  /** Give up after this long (default 30 min: firmware updates are slow). */
  timeoutMs?: number;
  /** Bounds on the poll interval whatever Retry-After says (defaults 200 ms and 30 s). */
  minPollMs?: number;
  maxPollMs?: number;
  onProgress?: (state: string, percent: number | undefined) => void;
}

const FAILED = new Set(['Exception', 'Killed', 'Cancelled', 'Interrupted']);
const RUNNING = new Set(['New', 'Starting', 'Running', 'Pending', 'Stopping', 'Suspended', 'Service']);

/** Poll a task monitor until the task ends; a failed task throws BMC_CLIENT_TASK with its messages. */
export async function waitTask(client: RedfishClient, monitor: string, o: TaskWaitOptions = {}): Promise<TaskResult> {
  const deadline = Date.now() + (o.timeoutMs ?? 30 * 60_000);
  const minPoll = o.minPollMs ?? 200;
  const maxPoll = o.maxPollMs ?? 30_000;
  for (;;) {
    const r: RfReply = await client.get(monitor);
    if (r.status === 204) return { state: 'Completed', messages: [] };
    const task = (r.body ?? {}) as { TaskState?: string; PercentComplete?: number; Messages?: { Message?: string }[] };
    const state = task.TaskState ?? (r.status === 200 ? 'Completed' : 'Running');
    const percent = task.PercentComplete;
    const messages = (task.Messages ?? []).map((m) => m.Message ?? '').filter((m) => m !== '');
    o.onProgress?.(state, percent);
    if (FAILED.has(state)) throw new FleetlabError('BMC_CLIENT_TASK', `task ${monitor} ended ${state}${messages.length ? `: ${messages.join(' ')}` : ''}`, { uri: monitor, state });
    // A monitor answers 202 while running; a Task URI answers 200 with a running state.
    if (r.status !== 202 && !RUNNING.has(state)) return { state, ...(percent !== undefined ? { percent } : {}), messages, task: r.body as Record<string, unknown> };
    const wait = Math.min(maxPoll, Math.max(minPoll, retryAfterMs(r.headers['retry-after']) ?? 1000));
    if (Date.now() + wait > deadline) throw new FleetlabError('BMC_CLIENT_TASK', `task ${monitor} did not finish within ${o.timeoutMs ?? 1_800_000} ms (last state ${state})`, { uri: monitor, state });
    await new Promise((res) => setTimeout(res, wait));
  }
}
