/**
 * The run.start event: what the run is (id, scenario, seed, params, target, versions, timeScale),
 * the host (host-info.ts) and the testbed it runs on, which `fleetlab compare` checks before comparing two runs.
 */
import { cpus, platform, arch, release } from 'node:os';
import type { EventBody } from '../../lab/base/event.ts';
import type { ResolvedLab } from '../../lab/config/lab-spec.ts';
import type { PreparedRun } from './prepare-run.ts';
import { fleetlabVersion } from '../fleetlab-version.ts';
import { hostInfo } from './host-info.ts';

export function runStartEvent(r: PreparedRun, runId: string): EventBody {
  const nodes = r.lab.nodes.length;
  return {
    kind: 'run.start',
    runId,
    scenario: r.scenario.name,
    seed: r.seed,
    wallStart: new Date().toISOString(),
    testbed: { tier: tierOf(r.lab), machine: `${platform()}-${arch()}-${cpus().length}cpu`, scale: nodes },
    nodes,
    sites: r.lab.sites.length,
    params: r.params,
    target: r.targetName,
    versions: runVersions(),
    timeScale: reportTimeScale(r.lab),
    host: hostInfo(),
  };
}

/** What measured this run: fleetlab (and its commit, from a checkout), node, the host kernel. */
function runVersions(): Record<string, string> {
  const v = fleetlabVersion();
  return { fleetlab: v.version, ...(v.commit ? { fleetlabCommit: v.commit } : {}), node: process.version, kernel: `${platform()} ${release()}` };
}

/**
 * What reports divide wall time by: the lab's timeScale, except that qemu VMs boot in real time
 * whatever it says (lifecycle-tasks.ts), so a qemu-only lab reports wall = modelled (1). A mixed lab
 * reports on the sim sites' scale.
 */
function reportTimeScale(lab: ResolvedLab): number {
  return lab.sites.length > 0 && lab.sites.every((s) => s.tier === 'qemu') ? 1 : lab.timeScale;
}

/** The sites' tier when they share one, else 'mixed'. */
function tierOf(lab: ResolvedLab): string {
  const tiers = new Set(lab.sites.map((s) => s.tier));
  return tiers.size === 1 ? [...tiers][0]! : 'mixed';
}
