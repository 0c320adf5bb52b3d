/**
 * Keep-alive HTTP(S) agents pooled per BMC: every client of one BMC (origin + TLS trust) shares
 * one agent, so a run polling 100 BMCs holds a few warm sockets per BMC instead of a TLS
 * handshake per request. Reference counted: the last client to close destroys the agent.
 *
 * TLS trust is explicit: a CA file (the BMC's own self-signed cert works as its CA), the system
 * store by default, or `insecure` as a named opt-in. Both at once is a configuration error.
 */
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { FleetlabError } from '../../base/errors.ts';

export interface TlsTrust {
  /** PEM file with the CA (or the BMC's self-signed certificate) to trust. */
  caFile?: string;
  /** Accept any certificate. Only on an explicit opt-in: lab BMCs with throwaway certs. */
  insecure?: boolean;
}

export interface PooledAgent {
  agent: HttpAgent | HttpsAgent;
  release(): void;
}

interface Slot {
  agent: HttpAgent | HttpsAgent;
  refs: number;
}

/** Sockets per BMC: a BMC is a small embedded web server; more in flight only queues there. */
const MAX_SOCKETS_PER_BMC = 8;

export class AgentPool {
  private readonly slots = new Map<string, Slot>();

  acquire(baseUrl: string, trust: TlsTrust = {}): PooledAgent {
    const u = new URL(baseUrl);
    if (trust.caFile && trust.insecure) throw new FleetlabError('BMC_CLIENT_OPTIONS', `${baseUrl}: give either a CA file or insecure, not both`);
    const https = u.protocol === 'https:';
    const key = `${u.origin}|${https ? (trust.caFile ?? (trust.insecure ? 'insecure' : 'system')) : ''}`;
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { agent: https ? httpsAgent(baseUrl, trust) : new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_BMC }), refs: 0 };
      this.slots.set(key, slot);
    }
    slot.refs++;
    const s = slot;
    let released = false;
    return {
      agent: s.agent,
      release: () => {
        if (released) return;
        released = true;
        if (--s.refs > 0) return;
        s.agent.destroy();
        this.slots.delete(key);
      },
    };
  }

  get size(): number {
    return this.slots.size;
  }
}

function httpsAgent(baseUrl: string, trust: TlsTrust): HttpsAgent {
  let ca: Buffer | undefined;
  if (trust.caFile) {
    try {
      ca = readFileSync(trust.caFile);
    } catch (e) {
      throw new FleetlabError('BMC_CLIENT_OPTIONS', `${baseUrl}: CA file ${trust.caFile} cannot be read: ${(e as Error).message}`);
    }
  }
  return new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_BMC, rejectUnauthorized: trust.insecure !== true, ...(ca ? { ca } : {}) });
}

/** The process-wide pool clients use unless given their own. */
export const sharedAgentPool = new AgentPool();
