/**
 * The scenario-facing fault API. The fault catalogue and scheduler live in lab/faults (network
 * issue); this is the narrow surface scenarios see, so scenarios never reach into the lab.
 */
export interface FaultSpec {
  kind: string;
  /** node name | site name | {nodes: n} | {sites: n} | {percentNodes: p} | {percentSites: p} | 'all' */
  selector?: unknown;
  params?: Record<string, unknown>;
  /** Start at this run time (modelled ms from now), or when a node enters a phase. */
  at?: number;
  when?: { phase: string; node?: string };
  duration?: number;
  every?: number;
  probability?: number;
}

export interface FaultApi {
  inject(spec: FaultSpec): Promise<string>;
  schedule(specs: FaultSpec[]): Promise<string[]>;
  stop(id: string): Promise<void>;
  healAll(): Promise<void>;
}
