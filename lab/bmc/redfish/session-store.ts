/**
 * Redfish sessions (SessionService/Sessions). No timers: a session expires lazily when it is
 * looked up after `timeoutSec` of inactivity, and expired sessions are swept when the table is
 * full, so 10,000 idle BMCs cost nothing.
 *
 * A session remembers the credential identity it was created with; the server grants it exactly
 * the systems whose credentials match (per-BMC credentials on one shared listener).
 *
 * Bounded: at most `max` sessions (maxSessions, default 64) exist at once. A live session is
 * never evicted to make room (its client would lose it mid-work); creating one more sweeps the
 * expired ones first and, when all are live, answers 503 SessionLimitExceeded as DSP0266 says.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../base/clock.ts';

export interface Session {
  id: string;
  token: string;
  username: string;
  credKey: string;
  /** Clock ms. */
  createdAt: number;
  lastUsed: number;
}

export class SessionStore {
  private readonly byTok = new Map<string, Session>();
  private readonly byId = new Map<string, Session>();
  private seq = 0;

  constructor(
    private readonly clock: Clock,
    public timeoutSec: number,
    public readonly max: number,
  ) {}

  /** A new session, or undefined when `max` live sessions exist (the caller answers 503). */
  create(username: string, credKey: string): Session | undefined {
    if (this.byId.size >= this.max) this.sweep();
    if (this.byId.size >= this.max) return undefined;
    const now = this.clock.now();
    const s: Session = { id: String(++this.seq), token: randomBytes(16).toString('hex'), username, credKey, createdAt: now, lastUsed: now };
    this.byTok.set(s.token, s);
    this.byId.set(s.id, s);
    return s;
  }

  /** The live session for a token, refreshing its inactivity timer; expired ones are dropped. */
  touch(token: string): Session | undefined {
    const s = this.byTok.get(token);
    if (!s) return undefined;
    const now = this.clock.now();
    if (this.expired(s, now)) {
      this.delete(s.id);
      return undefined;
    }
    s.lastUsed = now;
    return s;
  }

  get(id: string): Session | undefined {
    const s = this.byId.get(id);
    if (s && this.expired(s, this.clock.now())) {
      this.delete(id);
      return undefined;
    }
    return s;
  }

  delete(id: string): boolean {
    const s = this.byId.get(id);
    if (!s) return false;
    this.byId.delete(id);
    this.byTok.delete(s.token);
    return true;
  }

  list(): Session[] {
    this.sweep();
    return [...this.byId.values()];
  }

  get size(): number {
    return this.byId.size;
  }

  private expired(s: Session, now: number): boolean {
    return now - s.lastUsed > this.timeoutSec * 1000;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const s of this.byId.values()) if (this.expired(s, now)) this.delete(s.id);
  }
}
