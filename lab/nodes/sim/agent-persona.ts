/**
 * The in-band software a simulated node runs after its kernel boots: whatever the target under
 * test expects (generic installer, Ironic python agent, DRP runner, Tinkerbell worker). A target
 * hands the persona to the lab (`Target.agent(node)`); the sim node runs it with an AgentContext
 * whose I/O crosses the site link like everything else the node does.
 *
 *   kernel boot ─▶ persona.run(ctx) ─▶ http/download/writeDisk/powerOff via ctx ─▶ outcome
 */
import type { EventBody, NodePhase } from '../../base/event.ts';

export interface AgentHttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface AgentImageResult {
  bytes: number;
  /** Hex digest of what arrived, in the algorithm asked for. */
  digest: string;
  ok: boolean;
  ms: number;
}

export interface AgentContext {
  node: { name: string; site: string; uuid: string; macs: string[]; ip: string };
  /** Kernel command line, raw and split into key=value (flags map to ''). */
  cmdline: string;
  args: Record<string, string>;
  /** Small HTTP request from the node's address through its site link (JSON APIs, callbacks). */
  http(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<AgentHttpResponse>;
  /** Download an image through the site link and hash it on the fly; nothing is kept in memory. */
  downloadImage(url: string, expected: { algo: 'sha256' | 'sha512' | 'md5'; digest: string } | null): Promise<AgentImageResult>;
  /** Write the downloaded image to the node's disk at the profile's speed; rejects on a disk fault. */
  writeDisk(image: { name: string; url: string; bytes: number; digest: string }): Promise<void>;
  /** Switch this node off through its own machine (IPA's standby.power_off). */
  powerOff(): Promise<void>;
  emit(body: EventBody): void;
  /** Mark the start of a node phase ('agent', 'image', 'callback'); fault hooks (power loss at a phase) fire here. */
  phase(p: NodePhase): void;
  sleep(ms: number): Promise<void>;
  /** Aborted when the node loses power or the run ends: personas must stop promptly. */
  signal: AbortSignal;
}

export type AgentOutcome =
  | { kind: 'reboot' } // node reboots (to disk, unless an override says otherwise)
  | { kind: 'poweroff' } // node is off; the target powers it on later
  | { kind: 'failed'; code: string; message: string };

export interface AgentPersona {
  readonly name: string;
  run(ctx: AgentContext): Promise<AgentOutcome>;
}
