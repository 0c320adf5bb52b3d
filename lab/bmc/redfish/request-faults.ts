/**
 * Management-plane faults of the BMC a request addresses (lab/faults BmcFaults), applied before
 * anything else: hang (accept, never answer), slow (a minimum delay), errorRate (503/500 answers).
 */
import type { IncomingMessage } from 'node:http';
import type { BmcSystem } from '../bmc-system.ts';
import type { Rng } from '../../base/rng.ts';
import type { Reply } from './handler-context.ts';
import { redfishErrorReply, rfError } from './redfish-errors.ts';

/** 'hang' (leave the request unanswered), an injected error reply, or undefined (carry on). */
export async function applyBmcFaults(owner: BmcSystem | undefined, req: IncomingMessage, rng: Rng, since: number): Promise<'hang' | Reply | undefined> {
  const faults = owner?.faults;
  if (!owner || !faults) return undefined;
  if (faults.hang) {
    // Accept and never answer; the socket stays open until the client gives up or we close.
    req.resume();
    return 'hang';
  }
  if (faults.slowMs > 0) await delayAtLeast(faults.slowMs, since);
  if (faults.errorRate > 0 && rng.next() < faults.errorRate) {
    req.resume();
    const r = redfishErrorReply(
      faults.errorStatus === 503
        ? rfError('BMC_UNAVAILABLE', `BMC ${owner.id} is temporarily unavailable (injected fault)`, { args: ['1'], headers: { 'Retry-After': '1' } })
        : rfError('BMC_INTERNAL', `BMC ${owner.id} failed the request (injected fault)`),
    );
    return { ...r, status: faults.errorStatus };
  }
  return undefined;
}

/**
 * Wait until at least `ms` have passed since `since` (performance.now()): setTimeout may fire a
 * fraction of a millisecond early by that clock, and a slow-BMC fault promises a minimum delay.
 */
async function delayAtLeast(ms: number, since: number): Promise<void> {
  for (let left = ms - (performance.now() - since); left > 0; left = ms - (performance.now() - since)) {
    await new Promise((r) => setTimeout(r, Math.max(1, Math.ceil(left))));
  }
}
