/**
 * What every simulated node of a lab shares: clock, RNG, event sink, DHCP relays, concurrency
 * limits and the persona provider. One object, referenced (not copied) by each node, so a node
 * costs only its own state.
 */
import type { Clock } from '../../base/clock.ts';
import type { Rng } from '../../base/rng.ts';
import type { EventSink } from '../../base/event.ts';
import type { RelayHub } from '../../proto/dhcp/relay-hub.ts';
import type { AgentPersona } from './agent-persona.ts';
import type { Semaphore } from './semaphore.ts';

export interface SimEnv {
  clock: Clock;
  rng: Rng;
  events: EventSink;
  relays: RelayHub;
  /** The in-band persona the target wants this node to run after kernel boot. */
  persona(node: string): AgentPersona;
  /** Caps concurrent TFTP transfers / HTTP downloads so a 30k-node storm fits the fd budget. */
  tftpSlots: Semaphore;
  httpSlots: Semaphore;
  /** Protocol timeouts (DHCP/TFTP retransmits) in real ms; they scale with timeScale but keep this floor. */
  minProtocolTimeoutMs: number;
  /** Ports: the TFTP server the DHCP answer points at uses this port (69 on real servers). */
  tftpPort: number;
  /** Aborted when the run ends: nodes stop whatever they are doing. */
  signal: AbortSignal;
}
