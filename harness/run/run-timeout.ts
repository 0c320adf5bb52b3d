/**
 * How long a run may take before it is aborted as timed out: the scenario's `timeoutMs`, else a
 * default from the lab (modelled provisioning time at the lab's timeScale, a per-node allowance
 * for fleet storms, minutes per qemu VM). The deadline aborts the run's signal, so teardown runs
 * exactly as on SIGINT, and the run ends 'timedout'.
 */
import { isNetnsSite, type ResolvedLab } from '../../lab/config/lab-spec.ts';
import type { Params, ScenarioDefinition } from '../scenario.ts';

export function runTimeoutMs(scenario: ScenarioDefinition, params: Params, lab: ResolvedLab): number {
  return typeof scenario.timeoutMs === 'function' ? scenario.timeoutMs(params) : (scenario.timeoutMs ?? defaultTimeoutMs(lab));
}

function defaultTimeoutMs(lab: ResolvedLab): number {
  // Modelled provisioning time (generous) scaled, plus a per-node allowance for fleet storms.
  const modelled = 30 * 60 * 1000 * lab.timeScale;
  // qemu VMs run in real time (TCG: minutes per PXE install), a few at a time.
  const qemuSites = new Set(lab.sites.filter((s) => isNetnsSite(s)).map((s) => s.name));
  const vms = lab.nodes.filter((n) => qemuSites.has(n.site)).length;
  return Math.max(120_000, modelled + lab.nodes.length * 60) + (vms ? 300_000 + vms * 180_000 : 0);
}

/** The run's abort signal: the caller's (SIGINT/SIGTERM), the deadline or abort(), whichever comes first. */
export interface RunAbort {
  signal: AbortSignal;
  timedOut(): boolean;
  /** Stops the run from inside (a failed abortOnFail threshold): teardown as on SIGINT, not 'timedout'. */
  abort(reason: string): void;
  /** The reason given to abort() (null: not aborted from inside). */
  abortedBy(): string | null;
  /** Clears the deadline and detaches from the caller's signal. */
  dispose(): void;
}

export function startRunAbort(outer: AbortSignal, timeoutMs: number): RunAbort {
  const ac = new AbortController();
  const onAbort = () => ac.abort(outer.reason);
  if (outer.aborted) ac.abort();
  outer.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  let abortedBy: string | null = null;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort(new Error('timeout'));
  }, timeoutMs);
  return {
    signal: ac.signal,
    timedOut: () => timedOut,
    abort(reason) {
      if (ac.signal.aborted) return;
      abortedBy = reason;
      ac.abort(new Error(reason));
    },
    abortedBy: () => abortedBy,
    dispose() {
      clearTimeout(timer);
      outer.removeEventListener('abort', onAbort);
    },
  };
}
