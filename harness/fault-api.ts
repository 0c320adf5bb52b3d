/**
 * The scenario-facing fault API. The fault catalogue and scheduler live in lab/faults; this is
 * the narrow surface scenarios see, so scenarios never reach into the lab.
 */
/**
 * One fault (lab/faults/fault-spec.ts has the full grammar). Times are modelled ms as numbers or
 * strings with units ('30s'); rates/shares are fractions or percentages ('20%').
 */
export interface FaultSpec {
  /** A fault kind: link-degrade, partition, link-flap, loss-burst, http-cut, connection-reset,
   * dhcp-drop, tftp-drop, bmc-hang, bmc-slow, bmc-errors, bmc-auth-failure, power-loss,
   * disk-write-failure, image-corruption, target-kill. */
  kind: string;
  /** Stable id in fault.start/stop events (default '<kind>-<n>'). */
  id?: string;
  /** 'all' (default) | a site or node name | {site} | {node} | {sites: n} | {nodes: n} | {percentSites: p} | {percentNodes: p} */
  selector?: unknown;
  params?: Record<string, unknown>;
  /** Each selected target is hit with this chance (seeded). */
  probability?: number | string;
  /** Start this long after inject/schedule. */
  at?: number | string;
  /** Start when a node enters a phase (each selected node on itself, or `node` on the selection). */
  when?: { phase: string; node?: string };
  /** Window length; absent = until stop()/healAll(). A [min, max] pair is drawn per window. */
  duration?: number | string | [number | string, number | string];
  /** A window every `every` (needs duration). */
  every?: number | string;
  /** Jepsen-style: windows separated by seeded gaps (exponential mean, or uniform [min, max]). */
  random?: { interval: number | string | [number | string, number | string] };
  /** Number of windows for every/random. */
  count?: number;
}

export interface FaultApi {
  inject(spec: FaultSpec): Promise<string>;
  schedule(specs: FaultSpec[]): Promise<string[]>;
  stop(id: string): Promise<void>;
  healAll(): Promise<void>;
}
