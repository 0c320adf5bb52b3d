/**
 * IPA's heartbeat loop: POST <api>/v1/heartbeat/<uuid> with the callback URL and token every
 * period, and at once when `kick()` is called (an async command finished), until `signal` aborts.
 *
 *   ┌─▶ POST heartbeat ─▶ event on status change only ─▶ wait(period | kick | abort) ─┐
 *   └─────────────────────────────────────────────────────────────────────────────────┘
 *
 * Events only on change: a 20k-node run heartbeats too often to log every beat; an outage is
 * logged once, not once per beat.
 */
import type { AgentContext } from '../agent-persona.ts';
import { ipaStep } from './ipa-command.ts';

export interface IpaHeartbeatOptions {
  api: string;
  uuid: string;
  token: string;
  callbackUrl: string;
  agentVersion: string;
  headers: Record<string, string>;
  periodMs: number;
  wait: (ms: number, signal: AbortSignal) => Promise<void>;
}

export class IpaHeartbeat {
  private kicker: AbortController | null = null;
  private lastStatus = 0;
  private beats = 0;

  constructor(
    private readonly ctx: AgentContext,
    private readonly o: IpaHeartbeatOptions,
  ) {}

  /** Beat now instead of at the end of the current period. */
  kick(): void {
    this.kicker?.abort();
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.beat(signal);
      this.kicker = new AbortController();
      await this.o.wait(this.o.periodMs, AbortSignal.any([signal, this.kicker.signal]));
      this.kicker = null;
    }
  }

  private async beat(signal: AbortSignal): Promise<void> {
    const { ctx, o } = this;
    const node = ctx.node.name;
    const url = `${o.api}/v1/heartbeat/${o.uuid}`;
    try {
      const r = await ctx.http('POST', url, { callback_url: o.callbackUrl, agent_token: o.token, agent_version: o.agentVersion }, o.headers);
      if (r.status !== this.lastStatus) {
        ctx.emit({ kind: 'agent.callback', node, url, status: r.status });
        if (r.status >= 300) ctx.emit({ kind: 'log', level: 'warn', msg: `${node}: heartbeat HTTP ${r.status}: ${r.body.toString('utf8').slice(0, 300)}` });
        this.lastStatus = r.status;
      }
      if (this.beats === 0 && r.status < 300) {
        ipaStep(ctx, 'heartbeat');
        this.beats++;
      }
    } catch (e) {
      if (!signal.aborted && this.lastStatus !== -1) ctx.emit({ kind: 'log', level: 'warn', msg: `${node}: heartbeat failed: ${(e as Error).message}` });
      this.lastStatus = -1;
    }
  }
}
