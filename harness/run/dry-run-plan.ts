/**
 * `fleetlab run --dry-run`: the plan of a prepared run as text — scenario, seed, params, sites
 * (first 20) with their links, the link mix, the scenario's own plan lines (rollout waves) and
 * the steps a real run would take. Nothing is started.
 */
import { FleetlabError, isFleetlabError } from '../../lab/base/errors.ts';
import type { ResolvedLab } from '../../lab/config/lab-spec.ts';
import { linkSummary, type LinkProfile } from '../../lab/net/link-spec.ts';
import type { PlanLab } from '../scenario.ts';
import { linkLabel } from '../rollout/site-labels.ts';
import type { PreparedRun } from './prepare-run.ts';
import { errText } from './err-text.ts';

/** Sites listed one per line; the rest are counted. */
const SITES_SHOWN = 20;

export function dryRunPlan(r: PreparedRun): string {
  const { scenario: s, lab, targetName: target, targetOptions } = r;
  const byProfile = new Map<string, number>();
  for (const n of lab.nodes) byProfile.set(n.profile.name, (byProfile.get(n.profile.name) ?? 0) + 1);
  const lines = [
    `scenario ${s.name}${s.description ? ` — ${s.description}` : ''}`,
    `seed ${r.seed}, timeScale ${lab.timeScale}, target ${target}${Object.keys(targetOptions).length ? ' ' + JSON.stringify(targetOptions) : ''}`,
    `params ${JSON.stringify(r.params)}`,
    `sites ${lab.sites.length}, nodes ${lab.nodes.length} (${[...byProfile].map(([k, v]) => `${k}: ${v}`).join(', ')})`,
  ];
  const show = lab.sites.slice(0, SITES_SHOWN);
  for (const site of show) {
    const count = lab.nodes.filter((n) => n.site === site.name).length;
    const p = r.links.profiles.get(site.name);
    lines.push(`  ${site.name}  ${site.subnet} relay ${site.relay}  ${count} nodes  tier ${site.tier}  link ${p ? linkSummary(p) : 'lan'}`);
  }
  if (lab.sites.length > show.length) lines.push(`  … ${lab.sites.length - show.length} more sites`);
  lines.push(...r.links.describe(), ...scenarioPlanLines(r));
  for (const t of r.thresholds) lines.push(`threshold ${t.metric} ${t.text}${t.abortOnFail ? ` (abortOnFail after ${t.delayMs} ms modelled)` : ''}`);
  lines.push(`steps: start target ${target} → start lab (relays, ${lab.nodes.length} sim nodes, Redfish${r.ipmi ? ' + IPMI' : ''} BMCs) → scenario ${s.name} → heal faults → teardown → reports`);
  return lines.join('\n') + '\n';
}

/** The scenario's own plan lines; a throw there is bad input, like validate(). */
function scenarioPlanLines(r: PreparedRun): string[] {
  try {
    return r.scenario.plan?.(r.params, planLab(r.lab, r.links.profiles), r.seed) ?? [];
  } catch (e) {
    throw isFleetlabError(e) ? e : new FleetlabError('SCENARIO_INVALID', `plan: ${errText(e)}`);
  }
}

/** Same labels as the run's LabApi (lab-api.ts): site labels + link preset, node profile. */
function planLab(lab: ResolvedLab, links: Map<string, LinkProfile>): PlanLab {
  const sites = new Map<string, PlanLab['sites'][number]>();
  for (const s of lab.sites) sites.set(s.name, { name: s.name, labels: { ...s.labels, link: linkLabel(links.get(s.name)) }, nodes: [] });
  for (const n of lab.nodes) {
    const site = sites.get(n.site)!;
    site.nodes.push({ name: n.name, site: n.site, profile: n.profile.name, labels: { ...site.labels, ...n.profile.labels, profile: n.profile.name, node: n.name } });
  }
  return { sites: [...sites.values()] };
}
