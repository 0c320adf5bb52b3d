/**
 * What the run hears of Ironic's node states: each change the poller sees becomes a
 * `target.state` event (Ironic's native name + fleetlab's phase) and reaches the watchers; a
 * failed state also fails the node with Ironic's last_error. When a fleetlab-started Ironic dies,
 * every node it left mid-transition fails too, so the run never waits on a dead server.
 */
import { ERRORS } from '../../../lab/base/errors.ts';
import type { EventSink } from '../../../lab/base/event.ts';
import type { TargetState } from '../target.ts';
import type { IronicNode } from './ironic-client.ts';
import { IRONIC_TRANSIENT, ironicPhase } from './ironic-states.ts';

export class IronicStateFeed {
  private readonly watchers = new Set<(node: string, s: TargetState) => void>();
  /** Last native state per node name (for failure reporting when Ironic dies). */
  private readonly native = new Map<string, string>();
  private readonly byUuid = new Map<string, string>();

  constructor(private readonly events: EventSink) {}

  /** A node fleetlab enrolled: its name for polled states that carry only the uuid. */
  enrolled(uuid: string, name: string): void {
    this.byUuid.set(uuid, name);
  }

  nameOf(uuid: string, name?: string | null): string {
    return name ?? this.byUuid.get(uuid) ?? uuid;
  }

  publish(name: string, n: Pick<IronicNode, 'provision_state' | 'last_error'>): void {
    const phase = ironicPhase(n.provision_state);
    this.native.set(name, n.provision_state);
    this.events.emit({ kind: 'target.state', node: name, native: n.provision_state, phase });
    const s: TargetState = { native: n.provision_state, phase, ...(n.last_error ? { lastError: n.last_error } : {}) };
    // Ironic's own reason, after the state event so the run records it as the failure message.
    if (phase === 'failed') this.events.emit({ kind: 'node.failed', node: name, phase: 'agent', code: ERRORS.TARGET.code, message: `ironic: ${n.provision_state}: ${n.last_error ?? 'no last_error'}` });
    for (const w of this.watchers) w(name, s);
  }

  watch(cb: (node: string, s: TargetState) => void): () => void {
    this.watchers.add(cb);
    return () => this.watchers.delete(cb);
  }

  /** Fails every node whose last state was a transition (`why`: what happened to Ironic). */
  failInFlight(why: string): void {
    for (const [name, state] of this.native) {
      if (IRONIC_TRANSIENT.has(state)) this.events.emit({ kind: 'node.failed', node: name, phase: 'agent', code: ERRORS.TARGET.code, message: `ironic ${why} while the node was '${state}'` });
    }
  }
}
