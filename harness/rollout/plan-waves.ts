/**
 * Wave planning: which sites and nodes each wave takes. Pure (no lab needed), so `--dry-run`
 * prints the same waves the run will take.
 *
 *   sites ─filter(select)─▶ eligible ─seeded shuffle─▶ order ─waves in turn take the next sites─▶ PlannedWave[]
 *
 * A site joins at most one wave. A wave's `select` picks from the sites not yet taken (in the
 * seeded order); a node joins its site's wave only if its labels match both selectors
 * (node labels include the site's, so `{profile: 'legacy-bios'}` picks nodes by hardware).
 */
import { createRng } from '../../lab/base/rng.ts';
import { Problems } from '../../lab/base/problem.ts';
import type { PlanLab } from '../scenario.ts';
import { checkSelector, matches, parseWaves, type LabelSelector, type WavesInput } from './wave-spec.ts';

export interface WavePlanOptions {
  waves?: WavesInput;
  /** Only matching sites/nodes take part in the rollout at all. */
  select?: LabelSelector;
  /** Seed of the site order (the run's seed by default). */
  seed: number;
}

export interface PlannedWave {
  name: string;
  sites: string[];
  nodes: string[];
}

type PlanSite = PlanLab['sites'][number];

/** Throws FLEETLAB_ERR_SCENARIO_INVALID listing every problem of the wave spec. */
export function planWaves(lab: PlanLab, o: WavePlanOptions): PlannedWave[] {
  const problems = new Problems();
  const waves = parseWaves(o.waves, 'rollout.waves', problems);
  if (o.select !== undefined) checkSelector(o.select, 'rollout.select', problems);
  problems.throwIfAny('SCENARIO_INVALID');
  const nodeOk = (n: PlanSite['nodes'][number], sel?: LabelSelector) => matches(n.labels, o.select) && matches(n.labels, sel);
  const eligible = lab.sites.filter((s) => s.nodes.some((n) => nodeOk(n)));
  // Seeded Fisher-Yates: the same seed gives the same canary.
  const order = [...eligible];
  const rng = createRng(o.seed).child('rollout-waves');
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const taken = new Set<string>();
  const out: PlannedWave[] = [];
  for (const w of waves) {
    const want = w.kind === 'sites' ? w.value : Math.max(0, Math.ceil((w.value / 100) * eligible.length - 1e-9) - taken.size);
    const sites: PlanSite[] = [];
    for (const s of order) {
      if (sites.length >= want) break;
      if (taken.has(s.name) || !s.nodes.some((n) => nodeOk(n, w.select))) continue;
      sites.push(s);
    }
    for (const s of sites) taken.add(s.name);
    if (sites.length === 0) continue;
    out.push({ name: w.name, sites: sites.map((s) => s.name), nodes: sites.flatMap((s) => s.nodes.filter((n) => nodeOk(n, w.select)).map((n) => n.name)) });
  }
  return out;
}

/** Dry-run lines: one per wave with its size and first sites. */
export function describeWaves(waves: PlannedWave[], header = 'rollout waves'): string[] {
  const total = waves.reduce((a, w) => a + w.nodes.length, 0);
  const lines = [`${header}: ${waves.length} waves, ${total} nodes`];
  let cum = 0;
  for (const w of waves) {
    cum += w.nodes.length;
    const shown = w.sites.slice(0, 5).join(', ') + (w.sites.length > 5 ? `, … +${w.sites.length - 5}` : '');
    lines.push(`  wave ${w.name}: ${w.sites.length} sites, ${w.nodes.length} nodes (cumulative ${cum}) — ${shown}`);
  }
  return lines;
}
