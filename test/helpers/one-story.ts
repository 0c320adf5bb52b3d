/**
 * "One story per node" (issue 20 item 6): after a run, every artefact that speaks about a node
 * says the same about it — the rollout's verdicts (rollout.node events, per wave and last per
 * node), run.json, the `--json` summary, junit.xml and report.html's embedded data — and the
 * exit code agrees with junit.xml. Returns the per-node table the assertions were made on.
 */
import type { Test } from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDetail } from '../../harness/rollout/wave-stats.ts';
import { readEvents } from './run-json.ts';

interface StoryNode {
  name: string;
  outcome: string;
  image?: string;
  error?: { code: string };
  rollout?: { wave: string; step: string; image: string; ok: boolean; code?: string };
}
interface StoryRun {
  status: string;
  counts: { total: number; ready: number; failed: number; unfinished: number };
  config: { scenario: string };
  nodes: StoryNode[];
}
interface Verdict {
  kind: 'rollout.node';
  wave: string;
  step: string;
  node: string;
  image: string;
  ok: boolean;
  code?: string;
}

/** report.html's embedded data: node names and one outcome letter each (r/f/u). */
function htmlNodes(dir: string): Map<string, string> {
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  const m = /<script type="application\/json" id="fleetlab-data">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('report.html has no fleetlab-data');
  const data = JSON.parse(m[1]!) as { nodes: { name: string[]; outcome: string } };
  const letter: Record<string, string> = { r: 'ready', f: 'failed', u: 'unfinished' };
  return new Map(data.nodes.name.map((n, i) => [n, letter[data.nodes.outcome[i]!]!]));
}

/** junit.xml: the totals and the names of the per-node cases that are failures. */
function junit(dir: string, scenario: string): { failures: number; errors: number; failedNodes: Set<string>; nodeCases: Set<string> } {
  const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
  const top = /<testsuites[^>]* failures="(\d+)" errors="(\d+)"/.exec(xml)!;
  const failedNodes = new Set<string>();
  const nodeCases = new Set<string>();
  for (const c of xml.matchAll(/<testcase classname="([^"]*)" name="([^"]*)"[^>]*?(\/>|>\s*<(\w[\w-]*))/g)) {
    if (c[1] !== `${scenario}.nodes`) continue;
    nodeCases.add(c[2]!);
    if (c[4] === 'failure') failedNodes.add(c[2]!);
  }
  return { failures: Number(top[1]), errors: Number(top[2]), failedNodes, nodeCases };
}

export function assertOneStory(t: Test, dir: string, exitCode: number | null, json: { status: string; nodes: StoryRun['counts'] }): StoryNode[] {
  const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as StoryRun;
  const tally = { total: run.nodes.length, ready: 0, failed: 0, unfinished: 0 };
  for (const n of run.nodes) tally[n.outcome as 'ready' | 'failed' | 'unfinished']++;
  t.same(run.counts, tally, 'run.json counts = its nodes');
  t.same(json.nodes, run.counts, '--json nodes = run.json counts (with unfinished)');
  t.equal(json.status, run.status, '--json status = run.json status');

  const j = junit(dir, run.config.scenario);
  const failed = run.nodes.filter((n) => n.outcome === 'failed').map((n) => n.name);
  t.same([...j.nodeCases].sort(), [...failed].sort(), 'junit.xml has a case for each failed node, no other');
  t.same([...j.failedNodes].sort(), run.status === 'passed' ? [] : [...failed].sort(), 'failed-node cases are failures exactly when the run failed');
  t.equal(j.failures + j.errors > 0, exitCode !== 0, `junit.xml (failures ${j.failures}, errors ${j.errors}) agrees with exit ${exitCode}`);
  t.equal(exitCode === 0, run.status === 'passed', 'exit code agrees with status');

  const html = htmlNodes(dir);
  const htmlDisagree = run.nodes.filter((n) => html.get(n.name) !== n.outcome).map((n) => `${n.name}: run.json ${n.outcome}, report.html ${html.get(n.name)}`);
  t.same(htmlDisagree, [], 'report.html data = run.json, node by node');

  const verdicts = readEvents<Verdict | { kind: string }>(dir).filter((e): e is Verdict => e.kind === 'rollout.node');
  const last = new Map(verdicts.map((v) => [v.node, v]));
  const rolloutDisagree: string[] = [];
  for (const n of run.nodes) {
    const v = last.get(n.name);
    const rec = n.rollout;
    if (!v) {
      if (rec) rolloutDisagree.push(`${n.name}: run.json has a rollout verdict the log does not`);
      continue;
    }
    if (!rec || rec.ok !== v.ok || rec.code !== v.code || rec.wave !== v.wave) rolloutDisagree.push(`${n.name}: run.json rollout ${JSON.stringify(rec)} vs last rollout.node ${JSON.stringify(v)}`);
    const want = v.ok ? 'ready' : 'failed';
    if (n.outcome !== want) rolloutDisagree.push(`${n.name}: rollout ${v.ok ? 'ok' : `failed ${v.code}`} (${v.wave}/${v.step}), run.json ${n.outcome}${n.error ? ` ${n.error.code}` : ''}`);
    else if (v.ok && n.image !== v.image) rolloutDisagree.push(`${n.name}: rollout says ${v.image}, run.json ${n.image}`);
    else if (!v.ok && n.error?.code !== v.code) rolloutDisagree.push(`${n.name}: rollout code ${v.code}, run.json ${n.error?.code}`);
  }
  t.same(rolloutDisagree, [], 'the rollout\'s last verdict per node = run.json (outcome, code, image)');
  t.same(waveDisagreements(dir, verdicts), [], 'each wave decision counts = its rollout.node verdicts');
  return run.nodes;
}

/** A wave's done/halt (ok=, failed=) is its 'wave' verdicts; its rollback decision, its rollback/repair verdicts. */
function waveDisagreements(dir: string, verdicts: Verdict[]): string[] {
  const out: string[] = [];
  const waves = readEvents<{ kind: string; wave: string; decision: string; detail?: string }>(dir).filter((e) => e.kind === 'wave.decision');
  for (const w of waves) {
    const steps = w.decision === 'done' || w.decision === 'halt' ? ['wave'] : w.decision === 'rollback' ? ['rollback', 'repair'] : null;
    const d = parseDetail(w.detail);
    if (!steps || d.ok === undefined) continue;
    const vs = verdicts.filter((v) => v.wave === w.wave && steps.includes(v.step));
    const ok = vs.filter((v) => v.ok).length;
    if (d.ok !== ok || d.failed !== vs.length - ok) out.push(`wave ${w.wave} ${w.decision}: ok=${d.ok} failed=${d.failed}, verdicts ok=${ok} failed=${vs.length - ok}`);
  }
  return out;
}
