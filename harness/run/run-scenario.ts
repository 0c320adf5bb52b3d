/**
 * `fleetlab run`: validate everything, then run the scenario as a task list and write reports.
 *
 *   load scenario ─▶ params ─▶ lab spec (all problems, exit 2) ─▶ [--dry-run: print plan]
 *   tasks: target.start ─▶ lab (relays, sim nodes, BMCs) ─▶ scenario.run ─▶ heal faults
 *   teardown in reverse (also on failure, timeout, SIGINT) ─▶ run.end ─▶ reports ─▶ exit code
 *
 * Exit: 0 passed, 1 failed or timed out, 2 bad input, 130 SIGINT, 143 SIGTERM.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { cpus, platform, arch } from 'node:os';
import { fileURLToPath } from 'node:url';
import { realClock } from '../../lab/base/clock.ts';
import { createRng } from '../../lab/base/rng.ts';
import type { RunStatus } from '../../lab/base/event.ts';
import { EventLog } from '../events/event-log.ts';
import { Problems } from '../../lab/base/problem.ts';
import { checkLab, type ResolvedLab } from '../../lab/config/lab-spec.ts';
import { startLab, type Lab } from '../../lab/lab.ts';
import { FleetlabError, isFleetlabError } from '../../lab/base/errors.ts';
import type { Target, TargetNode } from '../targets/target.ts';
import { prepareTarget } from '../targets/plugin/prepare-target.ts';
import { loadScenario, resolveParams } from './scenario-loader.ts';
import { runTasks } from './task-runner.ts';
import { NodeTracker } from './node-tracker.ts';
import { Progress } from './progress.ts';
import type { Params, RunContext, ScenarioDefinition } from '../scenario.ts';
import { buildRunContext } from './run-context.ts';
import { buildReports } from '../../reports/write-reports.ts';
import type { JsonSummary } from '../../reports/summary.ts';
import { labExtensions } from './lab-extensions.ts';
import { linkSummary } from '../../lab/net/link-spec.ts';
import { multiplexReporters, type Reporter } from '../../reports/reporter.ts';
import { tapReporter } from '../../reports/tap-reporter.ts';
import type { LinkProfile } from '../../lab/net/link-spec.ts';
import { linkLabel } from '../rollout/site-labels.ts';
import type { PlanLab } from '../scenario.ts';

export interface RunOptions {
  file: string;
  params: Record<string, string>;
  target?: string;
  targetOptions: Record<string, string>;
  seed?: number;
  out?: string;
  dryRun: boolean;
  json: boolean;
  reporter?: string;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  signal: AbortSignal;
  abortReason(): 'SIGINT' | 'SIGTERM' | undefined;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export async function runScenario(o: RunOptions): Promise<number> {
  // ── validate everything before starting anything ──
  const scenario = await loadScenario(o.file);
  const problems = new Problems();
  const params = resolveParams(scenario.params ?? {}, o.params, problems);
  problems.throwIfAny('PARAM_INVALID');
  for (const [path, message] of scenario.validate?.(params) ?? []) problems.add(path, message);
  const seed = o.seed ?? scenario.seed ?? 1;
  const labSpec = typeof scenario.lab === 'function' ? scenario.lab(params) : scenario.lab;
  const lab = checkLab(labSpec, seed, 'lab', problems);
  const ext = labExtensions();
  const linkPlan = lab ? ext.planLinks(lab, seed, problems) : null;
  const targetName = o.target ?? (typeof scenario.target === 'function' ? scenario.target(params) : scenario.target) ?? 'reference';
  const prepared = await prepareTarget(targetName, o.targetOptions, (typeof scenario.targetOptions === 'function' ? scenario.targetOptions(params) : scenario.targetOptions) ?? {}, problems);
  problems.throwIfAny('SCENARIO_INVALID');
  const resolvedLab = lab!;
  const { factory, options: targetOptions } = prepared!;

  const ipmiOn = resolvedLab.bmc.ipmi && ext.ipmiWanted(params, (labSpec as { bmc?: { ipmi?: unknown } }).bmc?.ipmi === true);
  if (o.dryRun) {
    // The scenario's own plan lines (rollout waves); a throw there is bad input, like validate().
    let extra: string[] = [];
    try {
      extra = scenario.plan?.(params, planLab(resolvedLab, linkPlan?.profiles), seed) ?? [];
    } catch (e) {
      throw isFleetlabError(e) ? e : new FleetlabError('SCENARIO_INVALID', `plan: ${errText(e)}`);
    }
    o.stdout.write(plan(scenario, params, seed, resolvedLab, targetName, targetOptions, [...(linkPlan?.describe() ?? []), ...extra], (site) => { const p = linkPlan?.profiles.get(site); return p ? linkSummary(p) : 'lan'; }, ipmiOn));
    return 0;
  }

  // ── run directory and event log ──
  const runId = `${scenario.name}-${stamp(new Date())}-s${seed}`;
  const runDir = resolve(o.out ?? join(ROOT, 'reports', 'runs', runId));
  mkdirSync(runDir, { recursive: true });
  const clock = realClock(resolvedLab.timeScale);
  const log = new EventLog(join(runDir, 'events.ndjson'), clock);
  const tracker = new NodeTracker(resolvedLab.nodes.map((n) => n.name));
  // The log is on disk; in memory the run keeps only what it decides on (no copy of every event).
  let thresholdsFailed = false;
  log.on((e) => {
    tracker.onEvent(e);
    if (e.kind === 'expect.result' && !e.ok) thresholdsFailed = true;
  });
  // stdout belongs to exactly one consumer: the JSON summary, the TAP stream, or the text summary.
  const tap = o.reporter === 'tap';
  const progress = new Progress(o.stderr, tracker, () => clock.now(), o.json);
  const reporters: Reporter[] = [{ name: 'progress', onEvent: (e) => progress.onEvent(e) }];
  if (tap && !o.json) reporters.push({ name: 'tap', ...tapReporter((s) => o.stdout.write(s)) });
  const reporter = multiplexReporters(reporters, (msg) => o.stderr.write(msg + '\n'));
  log.on((e) => reporter.onEvent?.(e));
  const rng = createRng(seed);

  const runAbort = new AbortController();
  const onAbort = () => runAbort.abort(o.signal.reason);
  if (o.signal.aborted) runAbort.abort();
  o.signal.addEventListener('abort', onAbort, { once: true });
  const nodeCount = resolvedLab.nodes.length;
  const timeoutMs = typeof scenario.timeoutMs === 'function' ? scenario.timeoutMs(params) : (scenario.timeoutMs ?? defaultTimeoutMs(resolvedLab));
  let timedOut = false;
  const timeout = setTimeout(() => {
    timedOut = true;
    runAbort.abort(new Error('timeout'));
  }, timeoutMs);

  log.emit({
    kind: 'run.start',
    runId,
    scenario: scenario.name,
    seed,
    wallStart: new Date().toISOString(),
    testbed: { tier: tierOf(resolvedLab), machine: `${platform()}-${arch()}-${cpus().length}cpu`, scale: nodeCount },
    nodes: nodeCount,
    sites: resolvedLab.sites.length,
    params,
    target: targetName,
    versions: { fleetlab: version(), node: process.version },
  });
  if (!o.json) o.stderr.write(`fleetlab: run ${runId}: ${nodeCount} nodes in ${resolvedLab.sites.length} sites, target ${targetName}, seed ${seed}\nfleetlab: run directory ${runDir}\n`);
  progress.start();

  let target: Target | null = null;
  let labRt: Lab | null = null;
  let ctx: RunContext<Params> | null = null;
  let scenarioError: unknown = null;
  const result = await runTasks(
    [
      {
        title: `start target ${targetName}`,
        setup: async () => {
          target = factory!({ lab: resolvedLab, options: targetOptions, runDir, events: log, signal: runAbort.signal });
          await target.start?.();
        },
        teardown: async () => {
          await target?.stop?.();
        },
      },
      {
        title: 'start lab',
        setup: async () => {
          const t = target!;
          labRt = await startLab({
            spec: resolvedLab,
            events: log,
            clock,
            rng,
            boot: t.endpoints(),
            persona: (name) => t.agent(targetNodeOf(labRt!, name)),
            // qemu sites' frames cross the link in real time, whatever the lab's timeScale.
            linkFor: linkPlan ? (s) => linkPlan.linkFor(s, s.tier === 'qemu' ? realClock(1) : clock, rng) : undefined,
            ipmi: ipmiOn,
            signal: runAbort.signal,
            qemu: { runId, workDir: join(runDir, 'qemu'), linkProfile: (site) => linkPlan?.profiles.get(site), linkEngine: qemuLinkEngine(params) },
          });
        },
        teardown: async () => {
          await labRt?.close();
        },
      },
      {
        title: 'faults',
        setup: async () => {
          ctx = buildRunContext({ scenario, params, seed, lab: labRt!, target: target!, log, tracker, clock, rng, signal: runAbort.signal, ext });
        },
        teardown: async () => {
          await ctx?.faults.healAll();
        },
      },
      {
        title: `scenario ${scenario.name}`,
        setup: async () => {
          try {
            await scenario.run(ctx!);
          } catch (e) {
            scenarioError = e;
            throw e;
          }
        },
      },
    ],
    runAbort.signal,
    (title, phase, ok, ms, error) => {
      if (!ok) log.emit({ kind: 'log', level: 'error', msg: `${phase} '${title}' failed: ${errText(error)}`, ...(isFleetlabError(error) ? { code: error.code } : {}) });
      void ms;
    },
  );
  clearTimeout(timeout);
  o.signal.removeEventListener('abort', onAbort);
  progress.stop();

  const interrupted = o.signal.aborted;
  const err = result.error ?? scenarioError;
  const status: RunStatus = interrupted ? 'interrupted' : timedOut ? 'timedout' : err || thresholdsFailed ? 'failed' : 'passed';
  log.emit({ kind: 'run.end', status, ...(err ? { reason: errText(err) } : timedOut ? { reason: `run exceeded ${timeoutMs} ms` } : interrupted ? { reason: o.abortReason() ?? 'signal' } : {}) });
  log.close();

  let summary: JsonSummary | null = null;
  let text = '';
  try {
    const built = await buildReports(runDir);
    summary = built.summary;
    text = built.text;
  } catch (e) {
    o.stderr.write(`fleetlab: reports failed: ${errText(e)}\n`);
  }
  if (summary) await reporter.onEnd?.(summary);
  if (o.json) {
    o.stdout.write(JSON.stringify(summary ?? { status, runDir, seed }) + '\n');
  } else if (tap) {
    if (err && !interrupted) o.stderr.write(`fleetlab: ${isFleetlabError(err) ? err.code + ': ' : ''}${errText(err)}\n`);
  } else {
    if (err && !interrupted) o.stderr.write(`fleetlab: ${isFleetlabError(err) ? err.code + ': ' : ''}${errText(err)}\n`);
    o.stdout.write(text || `fleetlab: ${status}; run directory ${runDir}\n`);
  }
  if (interrupted) return o.abortReason() === 'SIGTERM' ? 143 : 130;
  if (isFleetlabError(err) && err.def.exit === 2) return 2;
  return status === 'passed' ? 0 : 1;
}

function targetNodeOf(lab: Lab, name: string): TargetNode {
  const n = lab.node(name);
  if (!n) throw new FleetlabError('TARGET', `unknown node ${name}`);
  return toTargetNode(lab, n.name);
}

/** IPMI listen addresses by system id, indexed once per lab (called for every node and every boot). */
const ipmiIndex = new WeakMap<Lab, Map<string, { host: string; port: number }>>();
function ipmiAddressOf(lab: Lab, system: string): { host: string; port: number } | undefined {
  let m = ipmiIndex.get(lab);
  if (!m) ipmiIndex.set(lab, (m = new Map(lab.ipmi.map((a) => [a.system, { host: a.host, port: a.port }]))));
  return m.get(system);
}

export function toTargetNode(lab: Lab, name: string): TargetNode {
  const n = lab.node(name)!;
  return {
    name: n.name,
    site: n.site,
    uuid: n.spec.uuid,
    macs: n.spec.macs,
    profile: n.spec.profile.name,
    firmware: n.spec.profile.firmware,
    bmc: {
      ...(lab.redfish ? { redfish: { url: lab.redfish.url, systemId: n.bmc.id } } : {}),
      ...(n.bmc.ipmi && lab.ipmi.length ? { ipmi: ipmiAddressOf(lab, n.bmc.id) ?? n.bmc.ipmi } : {}),
      username: n.bmc.credentials.username,
      password: n.bmc.credentials.password,
    },
  };
}

function plan(s: ScenarioDefinition, params: Params, seed: number, lab: ResolvedLab, target: string, targetOptions: Record<string, string>, links: string[], linkOf: (site: string) => string, ipmi: boolean): string {
  const byProfile = new Map<string, number>();
  for (const n of lab.nodes) byProfile.set(n.profile.name, (byProfile.get(n.profile.name) ?? 0) + 1);
  const lines = [
    `scenario ${s.name}${s.description ? ` — ${s.description}` : ''}`,
    `seed ${seed}, timeScale ${lab.timeScale}, target ${target}${Object.keys(targetOptions).length ? ' ' + JSON.stringify(targetOptions) : ''}`,
    `params ${JSON.stringify(params)}`,
    `sites ${lab.sites.length}, nodes ${lab.nodes.length} (${[...byProfile].map(([k, v]) => `${k}: ${v}`).join(', ')})`,
  ];
  const show = lab.sites.slice(0, 20);
  for (const site of show) {
    const count = lab.nodes.filter((n) => n.site === site.name).length;
    lines.push(`  ${site.name}  ${site.subnet} relay ${site.relay}  ${count} nodes  tier ${site.tier}  link ${linkOf(site.name)}`);
  }
  if (lab.sites.length > show.length) lines.push(`  … ${lab.sites.length - show.length} more sites`);
  lines.push(...links);
  lines.push(`steps: start target ${target} → start lab (relays, ${lab.nodes.length} sim nodes, Redfish${ipmi ? ' + IPMI' : ''} BMCs) → scenario ${s.name} → heal faults → teardown → reports`);
  return lines.join('\n') + '\n';
}

/** Same labels as the run's LabApi (run-context.ts): site labels + link preset, node profile. */
function planLab(lab: ResolvedLab, links: Map<string, LinkProfile> | undefined): PlanLab {
  const sites = new Map<string, PlanLab['sites'][number]>();
  for (const s of lab.sites) sites.set(s.name, { name: s.name, labels: { ...s.labels, link: linkLabel(links?.get(s.name)) }, nodes: [] });
  for (const n of lab.nodes) {
    const site = sites.get(n.site)!;
    site.nodes.push({ name: n.name, site: n.site, profile: n.profile.name, labels: { ...site.labels, ...n.profile.labels, profile: n.profile.name, node: n.name } });
  }
  return { sites: [...sites.values()] };
}

function defaultTimeoutMs(lab: ResolvedLab): number {
  // Modelled provisioning time (generous) scaled, plus a per-node allowance for fleet storms.
  const modelled = 30 * 60 * 1000 * lab.timeScale;
  // qemu VMs run in real time (TCG: minutes per PXE install), a few at a time.
  const qemuSites = new Set(lab.sites.filter((s) => s.tier === 'qemu').map((s) => s.name));
  const vms = lab.nodes.filter((n) => qemuSites.has(n.site)).length;
  return Math.max(120_000, modelled + lab.nodes.length * 60) + (vms ? 300_000 + vms * 180_000 : 0);
}

/** `--param linkEngine=kernel` picks the tc/nft WAN for qemu sites; anything else the userspace one. */
function qemuLinkEngine(params: Params): 'userspace' | 'kernel' {
  return params.linkEngine === 'kernel' ? 'kernel' : 'userspace';
}

function tierOf(lab: ResolvedLab): string {
  const tiers = new Set(lab.sites.map((s) => s.tier));
  return tiers.size === 1 ? [...tiers][0]! : 'mixed';
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));
