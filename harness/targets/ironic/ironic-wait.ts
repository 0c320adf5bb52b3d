/**
 * Waits until every node is in one provision_state, by one list request per poll whatever the
 * fleet size. A node in a failed state, or any node still elsewhere at the deadline, is an error
 * naming the nodes and their states.
 */
import { join } from 'node:path';
import { FleetlabError } from '../../../lab/base/errors.ts';
import type { TargetNode } from '../target.ts';
import type { IronicClient } from './ironic-client.ts';
import { ironicPhase } from './ironic-states.ts';

export interface IronicWaitOptions {
  pollMs: number;
  signal: AbortSignal;
  /** The run directory (its ironic/ironic.log is named in timeout errors). */
  runDir: string;
}

export async function waitForProvisionState(c: IronicClient, nodes: TargetNode[], want: string, timeoutMs: number, o: IronicWaitOptions): Promise<void> {
  const pending = new Set(nodes.map((n) => n.uuid));
  const seen = new Map<string, string>();
  const deadline = Date.now() + timeoutMs;
  while (pending.size) {
    o.signal.throwIfAborted();
    const list = await c.listNodes();
    for (const n of list) {
      seen.set(n.uuid, `${n.name ?? n.uuid}: ${n.provision_state}${n.target_provision_state ? ` → ${n.target_provision_state}` : ''}`);
      if (!pending.has(n.uuid)) continue;
      if (n.provision_state === want) pending.delete(n.uuid);
      else if (ironicPhase(n.provision_state) === 'failed')
        throw new FleetlabError('TARGET', `ironic node ${n.name ?? n.uuid}: ${n.provision_state} while waiting for ${want}: ${n.last_error ?? 'no last_error'}`);
    }
    if (!pending.size) break;
    if (Date.now() > deadline) {
      const stuck = [...pending].map((u) => seen.get(u) ?? `${u}: not listed`);
      throw new FleetlabError('TARGET', `ironic: ${pending.size} node(s) not ${want} after ${timeoutMs} ms (${stuck.slice(0, 10).join('; ')}); see ${join(o.runDir, 'ironic', 'ironic.log')}`);
    }
    await new Promise((r) => setTimeout(r, o.pollMs));
  }
}
