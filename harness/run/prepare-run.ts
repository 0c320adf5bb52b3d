/**
 * Everything `fleetlab run` checks before it starts anything: the scenario file, `--param`s
 * (exit 2 on the first batch), then the scenario's own validate(), the lab spec, the site link
 * plan and the target name, all reported together with their paths (exit 2).
 *
 *   scenario file ─▶ params ─▶ validate() ─▶ lab spec ─▶ link plan ─▶ target ─▶ thresholds ─▶ PreparedRun
 */
import { Problems } from '../../lab/base/problem.ts';
import { checkLab, type ResolvedLab } from '../../lab/config/lab-spec.ts';
import type { TargetFactory } from '../targets/target.ts';
import { prepareTarget } from '../targets/plugin/prepare-target.ts';
import type { Params, ScenarioDefinition } from '../scenario.ts';
import { loadScenario, resolveParams } from './scenario-loader.ts';
import { planSiteLinks, type SiteLinkPlan } from './site-link-plan.ts';
import { ipmiEnabled } from './ipmi-enabled.ts';
import type { ShardSpec } from '../shard/shard-spec.ts';
import { shardLab, type ShardOfRun } from '../shard/shard-lab.ts';
import { parseCliThresholds, parseThresholds, type Threshold } from './threshold-spec.ts';
import type { Inventory } from '../../lab/config/inventory/inventory-schema.ts';
import { hardwareInventory } from './hardware-inventory.ts';

/** What the command line asks for (the subset of RunOptions validation reads). */
export interface RunRequest {
  file: string;
  params: Record<string, string>;
  target?: string;
  targetOptions: Record<string, string>;
  seed?: number;
  /** `--shard i/N`: run only this shard's sites (harness/shard/slice-lab.ts). */
  shard?: ShardSpec;
  /** With `shard`: the coordinator the shards meet at before scenario.run. */
  coordinator?: string;
  /** `--threshold METRIC OP VALUE`, added to the scenario's own thresholds. */
  thresholds?: string[];
  /** `--inventory FILE`: a hardware run's machines (with `--param tier=hardware`). */
  inventory?: string;
}

/** A run that passed every check: what dry-run prints and what the run starts. */
export interface PreparedRun {
  scenario: ScenarioDefinition;
  params: Params;
  seed: number;
  lab: ResolvedLab;
  links: SiteLinkPlan;
  targetName: string;
  factory: TargetFactory;
  targetOptions: Record<string, string>;
  /** Whether the IPMI emulator starts (ipmi-enabled.ts). */
  ipmi: boolean;
  /** Set for `--shard`: which slice and the whole run's size. */
  shard?: ShardOfRun;
  /** The scenario's thresholds, then `--threshold`'s (threshold-spec.ts). */
  thresholds: Threshold[];
  /** The hardware inventory the lab's sites and nodes come from (tier=hardware). */
  inventory?: Inventory;
}

export async function prepareRun(o: RunRequest): Promise<PreparedRun> {
  const scenario = await loadScenario(o.file);
  const problems = new Problems();
  const params = resolveParams(scenario.params ?? {}, o.params, problems);
  problems.throwIfAny('PARAM_INVALID');
  for (const [path, message] of scenario.validate?.(params) ?? []) problems.add(path, message);
  const seed = o.seed ?? scenario.seed ?? 1;
  const labSpec = typeof scenario.lab === 'function' ? scenario.lab(params) : scenario.lab;
  const hw = await hardwareInventory(o.inventory, params);
  const scenarioLab = checkLab(labSpec, seed, 'lab', problems);
  const lab = scenarioLab && hw ? hw.lab(scenarioLab) : scenarioLab;
  // Links are drawn over every site, then the shard keeps its own: a site's link is the unsharded one.
  const links = lab ? planSiteLinks(lab, seed, problems) : null;
  const sharded = lab && o.shard ? shardLab(lab, o.shard, problems, o.coordinator) : null;
  const targetName = o.target ?? (typeof scenario.target === 'function' ? scenario.target(params) : scenario.target) ?? 'reference';
  // A built-in name, a module path, ./targets/<name>.ts or a package; its options are checked
  // against what it declares, every problem joining the others.
  const scenarioOptions = (typeof scenario.targetOptions === 'function' ? scenario.targetOptions(params) : scenario.targetOptions) ?? {};
  const target = await prepareTarget(targetName, o.targetOptions, scenarioOptions, problems);
  const thresholds = [...parseThresholds(typeof scenario.thresholds === 'function' ? scenario.thresholds(params) : scenario.thresholds, problems), ...parseCliThresholds(o.thresholds ?? [], problems)];
  problems.throwIfAny('SCENARIO_INVALID');
  // No problems: the lab resolved, so it has a link plan, and the target loaded with valid options.
  const runLab = sharded?.lab ?? lab!;
  return { scenario, params, seed, lab: runLab, links: links!, targetName, factory: target!.factory, targetOptions: target!.options, ipmi: !hw && ipmiEnabled(runLab, labSpec, params), thresholds, ...(sharded ? { shard: sharded.shard } : {}), ...(hw ? { inventory: hw.inventory } : {}) };
}
