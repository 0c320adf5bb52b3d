/**
 * Rate-limited reporting of malformed IPMI packets: the first MALFORMED_EVENTS_PER_SEC per second
 * become `bmc.request … status 'malformed'` events, the rest are counted and summed up in one
 * warning when the second is over (or at close). A fuzzer or a broken client must not flood the
 * event log of a 10,000-BMC run.
 *
 *   malformed(bmc, reason) ─▶ within budget? ─ yes ─▶ bmc.request {status: 'malformed'}
 *                                           └─ no ──▶ suppressed++ ─▶ flush(): one 'log' warn
 */
import type { EventSink } from '../../base/event.ts';

/** Malformed-packet events per second per server; the rest are counted and summarized. */
const MALFORMED_EVENTS_PER_SEC = 20;

export class MalformedLimiter {
  private windowStart = 0;
  private inWindow = 0;
  private suppressed = 0;

  constructor(private readonly events: EventSink | undefined) {}

  malformed(bmc: string, reason: string): void {
    const now = performance.now();
    if (now - this.windowStart >= 1000) {
      this.flush();
      this.windowStart = now;
      this.inWindow = 0;
    }
    if (this.inWindow < MALFORMED_EVENTS_PER_SEC) {
      this.inWindow++;
      this.events?.emit({ kind: 'bmc.request', bmc, proto: 'ipmi', op: reason, status: 'malformed', ms: 0 });
    } else this.suppressed++;
  }

  /** Report what was suppressed so far (one warning), if anything. */
  flush(): void {
    if (this.suppressed === 0) return;
    this.events?.emit({ kind: 'log', level: 'warn', msg: `ipmi: ${this.suppressed} more malformed packets dropped (events rate-limited)` });
    this.suppressed = 0;
  }
}
