/**
 * The hardware tier's machines, built where the lab layers meet (lab/nodes cannot see
 * lab/clients): an inventory entry ─▶ machineFromInventory (RemoteMachine on the entry's BMC),
 * with every Redfish exchange recorded in a redacted transcript AND emitted as a `bmc.request`
 * event for the node's BMC — that is the node's BMC transcript in events.ndjson and run.json.
 *
 *   InventoryMachine ─▶ RedfishClient(transcript: record ─▶ bmc.request {bmc, op 'GET /…', status, ms})
 *                    ─▶ RemoteMachine (state read at connect) ─▶ hardware tier
 * Credentials stay inside the clients (the transcript redacts headers, bodies and literal secrets).
 */
import type { EventSink } from './base/event.ts';
import type { Inventory } from './config/inventory/inventory-schema.ts';
import { machineFromInventory } from './clients/machine-from-inventory.ts';
import { Transcript, type TranscriptEntry } from './clients/redfish/redfish-transcript.ts';
import type { HardwareMachine } from './nodes/hardware/hardware-tier.ts';

/** A transcript that also reports each (already redacted) exchange as an event of `bmc`. */
class EventTranscript extends Transcript {
  constructor(
    private readonly bmc: string,
    private readonly events: EventSink,
  ) {
    super(2000);
  }

  override record(e: TranscriptEntry): void {
    super.record(e);
    const r = this.entries[this.entries.length - 1]!;
    this.events.emit({ kind: 'bmc.request', bmc: this.bmc, proto: 'redfish', op: `${r.method} ${r.uri}${r.attempt ? ` (retry ${r.attempt})` : ''}`, status: r.status, ms: Math.round(r.ms) });
  }
}

/** `connect(node)` for startHardwareTier: the named inventory machine behind its BMC. */
export function inventoryConnector(inv: Inventory, bmcIdOf: (node: string) => string, events: EventSink): (node: string) => Promise<HardwareMachine> {
  const byName = new Map(inv.machines.map((m) => [m.name, m]));
  return async (node) => {
    const m = byName.get(node)!;
    const transcript = new EventTranscript(bmcIdOf(node), events);
    // Bounded: a BMC that does not answer blocks its node within ~30 s, not the run's lifetime.
    return machineFromInventory(m, { redfish: { transcript, timeoutMs: 10_000, retry: { retries: 2 } }, ipmi: { retries: 2, timeoutSec: 5 }, machine: { pollMs: 1000 } });
  };
}
