/**
 * Shared state of one Redfish emulator process: the systems it serves, their lazily-created
 * BMC-side state, sessions, tasks and the clock. Listeners (the shared one and optional
 * per-system ones) all route into one core, so a system has one identity everywhere.
 */
import type { BmcSystem } from '../bmc-system.ts';
import type { Clock } from '../../base/clock.ts';
import type { Rng } from '../../base/rng.ts';
import { SessionStore } from './session-store.ts';
import { SystemState } from './system-state.ts';
import { TaskStore } from './task-store.ts';

export interface EmulatorOptions {
  clock: Clock;
  rng: Rng;
  sessionTimeoutSec: number;
  maxSessions: number;
  /** How long a Reset waits for the machine's transition before answering anyway (ms). */
  resetWaitMs: number;
  /** How long a SimpleUpdate task runs (clock ms). */
  updateTaskMs: number;
  /** Tasks kept (oldest forgotten first). */
  maxTasks: number;
}

export function credKey(username: string, password: string): string {
  return `${username}\u0000${password}`;
}

export class EmulatorState {
  readonly systems = new Map<string, BmcSystem>();
  readonly sessions: SessionStore;
  readonly tasks: TaskStore;
  /** credential identity → number of systems using it (auth on shared resources). */
  private readonly creds = new Map<string, number>();
  private readonly states = new Map<string, SystemState>();
  /** Bumped on add/remove: collection caches key on it. */
  membership = 0;
  /** Stable service UUID for this process. */
  readonly uuid: string;

  constructor(readonly opts: EmulatorOptions) {
    this.sessions = new SessionStore(opts.clock, opts.sessionTimeoutSec, opts.maxSessions);
    this.tasks = new TaskStore(opts.clock, opts.maxTasks);
    const r = opts.rng;
    const hex = (n: number) => Array.from({ length: n }, () => Math.floor(r.next() * 16).toString(16)).join('');
    this.uuid = `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;
  }

  add(s: BmcSystem): void {
    if (this.systems.has(s.id)) throw new Error(`system '${s.id}' already served`);
    this.systems.set(s.id, s);
    const k = credKey(s.credentials.username, s.credentials.password);
    this.creds.set(k, (this.creds.get(k) ?? 0) + 1);
    this.membership++;
  }

  remove(id: string): BmcSystem | undefined {
    const s = this.systems.get(id);
    if (!s) return undefined;
    this.systems.delete(id);
    const k = credKey(s.credentials.username, s.credentials.password);
    const n = (this.creds.get(k) ?? 1) - 1;
    if (n <= 0) this.creds.delete(k);
    else this.creds.set(k, n);
    this.states.get(id)?.dispose();
    this.states.delete(id);
    this.membership++;
    return s;
  }

  /** Do these credentials open at least one system (what shared resources require)? */
  knownCred(key: string): boolean {
    return this.creds.has(key);
  }

  state(s: BmcSystem): SystemState {
    let st = this.states.get(s.id);
    if (!st) this.states.set(s.id, (st = new SystemState(s)));
    return st;
  }

  /** State if it exists (reads that must not allocate). */
  peekState(id: string): SystemState | undefined {
    return this.states.get(id);
  }

  /** Systems a caller with `key` may see, restricted to one id on a per-system listener. */
  visible(key: string, only: string | undefined): BmcSystem[] {
    const out: BmcSystem[] = [];
    if (only !== undefined) {
      const s = this.systems.get(only);
      if (s && credKey(s.credentials.username, s.credentials.password) === key) out.push(s);
      return out;
    }
    for (const s of this.systems.values()) if (credKey(s.credentials.username, s.credentials.password) === key) out.push(s);
    return out;
  }

  close(): void {
    for (const st of this.states.values()) st.dispose();
    this.states.clear();
  }
}
