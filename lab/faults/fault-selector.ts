/**
 * Which sites / nodes / BMCs a fault hits (Chaos Mesh's one|all|fixed|fixed-percent, by name
 * or seeded draw):
 *
 *   'all'                               every site / node
 *   'site-3' | 'site-3-n0'              a site or node by name
 *   {site: 'a' | ['a','b']}             sites by name      {node: …}  nodes by name
 *   {sites: 5} | {nodes: 5}             n drawn at random (seeded)
 *   {percentSites: 20} | {percentNodes: '5%'}   a share drawn at random (rounded, at least 1)
 *
 * The selection is mapped to the fault's scope: a site selector hitting a node-scoped fault
 * selects every node of those sites; a node selector hitting a site-scoped fault selects the
 * sites of those nodes; BMC-scoped faults hit the BMCs of the selected nodes.
 */
import { z } from 'zod';
import type { Problems } from '../base/problem.ts';
import type { Rng } from '../base/rng.ts';
import { byShape, parseInto } from '../base/schema.ts';
import { describeValue, isRecord } from '../base/values.ts';
import type { FaultScope, FaultTargets } from './fault-plugin.ts';
import type { FaultWorld, WorldBmc, WorldNode, WorldSite } from './fault-world.ts';

export type Selector =
  | { kind: 'all' }
  | { kind: 'name'; name: string }
  | { kind: 'site'; names: string[] }
  | { kind: 'node'; names: string[] }
  | { kind: 'count'; of: 'sites' | 'nodes'; n: number }
  | { kind: 'percent'; of: 'sites' | 'nodes'; share: number };

const FORMS = "'all', a site or node name, {site}, {node}, {sites: n}, {nodes: n}, {percentSites: p}, {percentNodes: p}";

const names = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], { error: (iss) => `expected a name or a non-empty list of names, got ${describeValue(iss.input)}` });
const whole = z.number({ error: (iss) => `expected a whole number >= 1, got ${describeValue(iss.input)}` }).int({ error: (iss) => `expected a whole number >= 1, got ${describeValue(iss.input)}` }).min(1, { error: (iss) => `expected a whole number >= 1, got ${describeValue(iss.input)}` });
const percentError = (v: unknown) => `expected a percentage in (0, 100] like 20 or '20%', got ${describeValue(v)}`;
/** 20 or '20%' → 0.2. */
const percent = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const pct = typeof v === 'number' ? v : /^\d+(\.\d+)?%$/.test(v.trim()) ? Number(v.trim().slice(0, -1)) : NaN;
  if (pct > 0 && pct <= 100) return pct / 100;
  ctx.addIssue({ code: 'custom', message: percentError(v) });
  return z.NEVER;
});

const only = (key: string) => (v: unknown) => isRecord(v) && Object.keys(v).length === 1 && key in v;
const one = <K extends string, T extends z.ZodType>(key: K, value: T) => ({ key, schema: z.strictObject({ [key]: value } as Record<K, T>) });
const FORMS_BY_KEY = [
  one('site', names),
  one('node', names),
  one('sites', whole),
  one('nodes', whole),
  one('percentSites', percent),
  one('percentNodes', percent),
];

/** Which sites / nodes a fault hits, in the forms above. */
export const SelectorSchema = byShape<Selector>(
  [
    { when: (v) => v === undefined || v === 'all', schema: z.any().transform((): Selector => ({ kind: 'all' })) },
    { when: (v) => typeof v === 'string' && v !== '', schema: z.string().transform((name): Selector => ({ kind: 'name', name })) },
    ...FORMS_BY_KEY.map(({ key, schema }) => ({
      when: only(key),
      schema: schema.transform((o): Selector => {
        const v = (o as Record<string, unknown>)[key];
        if (key === 'site' || key === 'node') return { kind: key, names: typeof v === 'string' ? [v] : (v as string[]) };
        if (key === 'sites' || key === 'nodes') return { kind: 'count', of: key, n: v as number };
        return { kind: 'percent', of: key === 'percentSites' ? 'sites' : 'nodes', share: v as number };
      }),
    })),
    {
      when: (v) => isRecord(v) && Object.keys(v).length === 1,
      schema: z.record(z.string(), z.unknown()).superRefine((o, ctx) => ctx.addIssue({ code: 'custom', path: [Object.keys(o)[0]!], message: `unknown selector; expected one of ${FORMS}` })).transform((): Selector => ({ kind: 'all' })),
    },
  ],
  (v) => `expected one of ${FORMS}, got ${describeValue(v)}`,
  z.union([z.literal('all'), z.string().min(1), ...FORMS_BY_KEY.map((f) => f.schema)]).describe(`which sites / nodes / BMCs the fault hits: ${FORMS}`),
);

export function parseSelector(input: unknown, path: string, problems: Problems): Selector | undefined {
  return parseInto(SelectorSchema, input, path, problems);
}

export function selectorLabel(s: Selector): string {
  switch (s.kind) {
    case 'all':
      return 'all';
    case 'name':
      return s.name;
    case 'site':
    case 'node':
      return `${s.kind}:${s.names.join(',')}`;
    case 'count':
      return `${s.n} ${s.of}`;
    case 'percent':
      return `${+(s.share * 100).toFixed(4)}% ${s.of}`;
  }
}

/** Lookup tables over the world, built once per controller. */
export class WorldIndex {
  readonly siteByName: Map<string, WorldSite>;
  readonly nodeByName: Map<string, WorldNode>;
  readonly nodesBySite: Map<string, WorldNode[]>;
  readonly bmcById: Map<string, WorldBmc>;
  constructor(readonly world: FaultWorld) {
    this.bmcById = new Map(world.bmcs.map((b) => [b.id, b]));
    this.siteByName = new Map(world.sites.map((s) => [s.name, s]));
    this.nodeByName = new Map(world.nodes.map((n) => [n.name, n]));
    this.nodesBySite = new Map();
    for (const n of world.nodes) {
      let l = this.nodesBySite.get(n.site);
      if (!l) this.nodesBySite.set(n.site, (l = []));
      l.push(n);
    }
  }
}

/** Names that must exist in the world; reports unknown ones at `path`. */
export function checkSelector(s: Selector, index: WorldIndex, path: string, problems: Problems): void {
  const check = (kind: 'site' | 'node', name: string) => {
    const known = kind === 'site' ? index.siteByName.has(name) : index.nodeByName.has(name);
    if (!known) problems.add(path, `unknown ${kind} '${name}'`);
  };
  if (s.kind === 'name') {
    const site = index.siteByName.has(s.name);
    const node = index.nodeByName.has(s.name);
    if (!site && !node) problems.add(path, `'${s.name}' is neither a site nor a node of this lab`);
    else if (site && node) problems.add(path, `'${s.name}' names both a site and a node; write {site: …} or {node: …}`);
  } else if (s.kind === 'site' || s.kind === 'node') for (const n of s.names) check(s.kind, n);
}

/** k of n items drawn without replacement (partial Fisher-Yates), in the order drawn. */
function draw<T>(items: readonly T[], k: number, rng: Rng): T[] {
  const a = items.slice();
  const m = Math.min(k, a.length);
  for (let i = 0; i < m; i++) {
    const j = rng.int(i, a.length);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, m);
}

/**
 * Resolve to concrete targets for `scope`. Seeded draws come from `rng`, so the same seed and
 * the same activation give the same targets.
 */
export function resolveSelector(s: Selector, scope: FaultScope, index: WorldIndex, rng: Rng): FaultTargets {
  const w = index.world;
  let sites: WorldSite[] | undefined;
  let nodes: WorldNode[] | undefined;
  switch (s.kind) {
    case 'all':
      sites = w.sites;
      nodes = w.nodes;
      break;
    case 'name': {
      const site = index.siteByName.get(s.name);
      if (site) sites = [site];
      else nodes = index.nodeByName.has(s.name) ? [index.nodeByName.get(s.name)!] : [];
      break;
    }
    case 'site':
      sites = s.names.flatMap((n) => index.siteByName.get(n) ?? []);
      break;
    case 'node':
      nodes = s.names.flatMap((n) => index.nodeByName.get(n) ?? []);
      break;
    case 'count':
    case 'percent': {
      const pool = s.of === 'sites' ? w.sites : w.nodes;
      const k = s.kind === 'count' ? s.n : Math.max(1, Math.round(s.share * pool.length));
      const picked = draw<WorldSite | WorldNode>(pool, k, rng);
      if (s.of === 'sites') sites = picked as WorldSite[];
      else nodes = picked as WorldNode[];
      break;
    }
  }
  if (scope === 'target') return { sites: [], nodes: [], bmcs: [] };
  if (scope === 'site') {
    if (!sites) {
      const seen = new Set<string>();
      sites = [];
      for (const n of nodes!) {
        if (seen.has(n.site)) continue;
        seen.add(n.site);
        const site = index.siteByName.get(n.site);
        if (site) sites.push(site);
      }
    }
    return { sites, nodes: [], bmcs: [] };
  }
  nodes ??= sites!.flatMap((site) => index.nodesBySite.get(site.name) ?? []);
  if (scope === 'node') return { sites: [], nodes, bmcs: [] };
  return { sites: [], nodes: [], bmcs: nodes.flatMap((n) => (n.bmc && index.bmcById.get(n.bmc)) || []) };
}

/** Name of a target for events and windows. */
export function targetNames(t: FaultTargets): string[] {
  return [...t.sites.map((s) => s.name), ...t.nodes.map((n) => n.name), ...t.bmcs.map((b) => b.id)];
}
