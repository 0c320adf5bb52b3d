/**
 * The lab spec: sites, nodes per site, hardware profiles, BMC credentials, link profiles and
 * addressing. `resolveLab` validates everything (collecting ALL problems with their paths) and
 * expands it into concrete sites and nodes with deterministic MACs/UUIDs from the seed.
 *
 *   LabSpec (user input) ──LabSpecSchema (lab-schema.ts: every shape problem)──▶ checks across
 *   sections on what parsed (names unique, profiles known, qemu rules) ──▶ Problems (all, with paths) | ResolvedLab
 *
 * Sim-tier addressing lives on loopback (every 127.x.y.z is local on Linux), so a real server sees
 * a distinct address per site relay and per node:
 *   site s      subnet 127.(base + s>>8).(s&255).0/24, relay (giaddr) .1, node pool .10–.250
 *   node n BMC  127.(bmcBase + c>>8).(c&255).(n%254+1), c = n/254 — its own IPMI address on port 623
 */
import { z } from 'zod';
import type { Rng } from '../base/rng.ts';
import { createRng } from '../base/rng.ts';
import type { HardwareProfile } from './hardware-profile.ts';
import { BUILTIN_PROFILES, QEMU_PROFILE, resolveProfile } from './hardware-profile.ts';
import { Problems } from '../base/problem.ts';
import { parseInto, salvage, type Salvaged } from '../base/schema.ts';
import { MAX_QEMU_SITES, qemuSiteAddressing } from '../net/netns/naming.ts';
import { LabSpecSchema, SiteSpecSchema, type Tier } from './lab-schema.ts';

export { MAX_NODES_PER_SITE, MAX_SITES, LabSpecSchema, labJsonSchema, type Tier } from './lab-schema.ts';

/** A site as a scenario writes it (the schema's input; `link` is checked by the schema, kept as given). */
export type SiteSpec = z.input<typeof SiteSpecSchema>;
/** The lab spec as a scenario writes it (the schema's input). */
export type LabSpec = z.input<typeof LabSpecSchema>;

export interface ResolvedSite {
  name: string;
  index: number;
  subnet: string; // 127.A.B.0/24
  prefix: string; // '127.A.B.'
  relay: string; // 127.A.B.1
  poolStart: string;
  poolEnd: string;
  /** The site's own link override as given (lab/net parses it); undefined = the lab's `link`. */
  link: unknown;
  labels: Record<string, string>;
  /** 'hardware' sites come from an inventory (lab/nodes/hardware/hardware-lab-spec.ts), never from a spec. */
  tier: Tier | 'hardware';
}

/** Sites whose LAN is a network namespace with a real relay (qemu VMs, or machines on a lab interface). */
export function isNetnsSite(s: { tier: ResolvedSite['tier'] }): boolean {
  return s.tier !== 'sim';
}

export interface ResolvedNode {
  name: string;
  index: number;
  site: string;
  siteIndex: number;
  profile: HardwareProfile;
  macs: string[];
  uuid: string;
  bmc: { id: string; ipmi: { host: string; port: number } | null };
}

export interface ResolvedLab {
  seed: number;
  timeScale: number;
  sites: ResolvedSite[];
  nodes: ResolvedNode[];
  profiles: Record<string, HardwareProfile>;
  bmc: { username: string; password: string; ipmi: boolean; redfish: boolean };
  /** The lab-wide link spec as given (preset, profile, mix, or {default, sites}); lab/net resolves it. */
  link: unknown;
}

/** Validate and expand. Throws FLEETLAB_ERR_SPEC_INVALID listing every problem. `path` prefixes problem paths. */
export function resolveLab(input: unknown, seed: number, path = 'lab'): ResolvedLab {
  const problems = new Problems();
  const lab = checkLab(input, seed, path, problems);
  problems.throwIfAny('SPEC_INVALID');
  return lab!;
}

export function checkLab(input: unknown, seed: number, path: string, problems: Problems): ResolvedLab | undefined {
  // Every shape problem at once; the checks across sections below run on what did parse, so a
  // bad profile does not hide a bad link, nor a bad timeScale an unknown preset.
  const before = problems.list.length;
  const parsed = parseInto(LabSpecSchema, input, path, problems);
  if (!parsed && (!input || typeof input !== 'object' || Array.isArray(input))) return undefined;
  const spec = parsed ?? salvage(LabSpecSchema, input) ?? {};

  // Profiles first: sites refer to them by name.
  const profiles: Record<string, HardwareProfile> = { ...BUILTIN_PROFILES };
  (spec.profiles ?? []).forEach((p, i) => {
    const resolved = p && resolveProfile(p, `${path}.profiles[${i}]`, problems, profiles);
    if (resolved) profiles[resolved.name] = resolved;
  });
  const ctx: SiteContext = {
    path,
    problems,
    profiles,
    tier: spec.tier ?? 'sim',
    nodesPerSite: spec.nodesPerSite ?? 1,
    profile: spec.profile,
    bmc: { username: 'admin', password: 'password', ipmi: true, redfish: true, ...definedOnly(spec.bmc ?? {}) },
    siteBase: spec.addressing?.siteBase ?? 20,
    bmcBase: spec.addressing?.bmcBase ?? 100,
    ipmiPort: spec.addressing?.ipmiPort ?? 623,
    rawSites: Array.isArray((input as { sites?: unknown }).sites) ? (input as { sites: SiteContext['rawSites'] }).sites : [],
  };
  const sitesIn = spec.sites ?? 1;
  const siteSpecs: (SiteIn | undefined)[] = typeof sitesIn === 'number' ? Array.from({ length: sitesIn }, () => ({})) : sitesIn;
  const { sites, nodes } = expandSites(siteSpecs, seed, ctx);
  if (nodes.length > 254 * 256 * (254 - ctx.bmcBase)) problems.add(`${path}.addressing.bmcBase`, 'too many nodes for the BMC address range');
  if (problems.list.length !== before) return undefined;
  const link = (input as { link?: unknown }).link;
  return { seed, timeScale: spec.timeScale ?? 1, sites, nodes, profiles, bmc: ctx.bmc, link };
}

type SiteIn = NonNullable<Salvaged<SiteSpecOut>>;
type SiteSpecOut = z.output<typeof SiteSpecSchema>;

/** What every site's expansion needs from the lab level. */
interface SiteContext {
  path: string;
  problems: Problems;
  profiles: Record<string, HardwareProfile>;
  tier: Tier;
  nodesPerSite: number;
  profile: string | Record<string, number | undefined> | undefined;
  bmc: ResolvedLab['bmc'];
  siteBase: number;
  bmcBase: number;
  ipmiPort: number;
  /** The sites as written: a site's `link` is recorded as given (lab/net resolves it per site). */
  rawSites: readonly ({ link?: unknown; profile?: unknown } | undefined)[];
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Sites and their nodes, with deterministic MACs and UUIDs from the seed. */
function expandSites(siteSpecs: (SiteIn | undefined)[], seed: number, ctx: SiteContext): { sites: ResolvedSite[]; nodes: ResolvedNode[] } {
  const { path, problems } = ctx;
  const rng = createRng(seed);
  const mixRng = rng.child('profile-mix');
  const idRng = rng.child('ids');
  const macPrefix = idRng.int(0, 256);
  const names = new Set<string>();
  const sites: ResolvedSite[] = [];
  const nodes: ResolvedNode[] = [];
  const maxSiteIndex = (254 - ctx.siteBase + 1) * 256;
  let qemuOrdinal = 0; // qemu sites get their LAN inside a network namespace (lab/net/netns)

  siteSpecs.forEach((s, i) => {
    if (!s) return; // not an object: reported by the schema
    const p = `${path}.sites[${i}]`;
    const name = s.name ?? `site-${String(i).padStart(siteSpecs.length > 1000 ? 5 : 3, '0')}`;
    if (names.has(name)) problems.add(`${p}.name`, `duplicate site name '${name}'`);
    names.add(name);
    const count = s.nodes ?? ctx.nodesPerSite;
    const siteTier = s.tier ?? ctx.tier;
    // A qemu site's nodes are QEMU PCs (the VM is the hardware): a profile named for the site
    // itself must be that one; the lab-wide default does not apply to them.
    const asGiven = ctx.rawSites[i]?.profile;
    if (siteTier === 'qemu' && asGiven !== undefined && asGiven !== QEMU_PROFILE) problems.add(`${p}.profile`, `qemu-tier sites run '${QEMU_PROFILE}' machines, got ${JSON.stringify(asGiven)}`);
    const pick = profilePicker(siteTier === 'qemu' ? QEMU_PROFILE : (s.profile ?? ctx.profile ?? 'generic-uefi'), s.profile !== undefined ? `${p}.profile` : `${path}.profile`, ctx.profiles, problems);
    if (i >= maxSiteIndex) {
      problems.add(p, `too many sites for addressing.siteBase ${ctx.siteBase} (max ${maxSiteIndex})`);
      return;
    }
    if (siteTier === 'qemu' && qemuOrdinal >= MAX_QEMU_SITES) problems.add(`${p}.tier`, `at most ${MAX_QEMU_SITES} qemu sites`);
    const q = siteTier === 'qemu' && qemuOrdinal < MAX_QEMU_SITES ? qemuSiteAddressing(qemuOrdinal++) : null;
    const prefix = q?.prefix ?? `127.${ctx.siteBase + (i >> 8)}.${i & 255}.`;
    const site: ResolvedSite = {
      name,
      index: i,
      subnet: `${prefix}0/24`,
      prefix,
      relay: `${prefix}1`,
      poolStart: q?.poolStart ?? `${prefix}10`,
      poolEnd: `${prefix}250`,
      link: ctx.rawSites[i]?.link,
      labels: { site: name, ...(s.labels ?? {}) },
      tier: siteTier,
    };
    sites.push(site);
    for (let j = 0; j < count; j++) {
      const profile = pick?.(mixRng);
      if (profile) nodes.push(makeNode(site, j, count, nodes.length, profile, macPrefix, idRng, ctx));
    }
  });
  return { sites, nodes };
}

function makeNode(site: ResolvedSite, j: number, count: number, n: number, profile: HardwareProfile, macPrefix: number, idRng: Rng, ctx: SiteContext): ResolvedNode {
  const macs = Array.from({ length: profile.nics }, (_, k) => deterministicMac(macPrefix, n, k));
  // 254 hosts per /24 (.1–.254) so no BMC sits on a network or broadcast address.
  const c = Math.floor(n / 254);
  const bmcHost = `127.${ctx.bmcBase + (c >> 8)}.${c & 255}.${(n % 254) + 1}`;
  return {
    name: `${site.name}-n${String(j).padStart(count > 99 ? 3 : 2, '0')}`,
    index: n,
    site: site.name,
    siteIndex: site.index,
    profile,
    macs,
    uuid: deterministicUuid(idRng),
    bmc: { id: `node-${n}`, ipmi: ctx.bmc.ipmi ? { host: bmcHost, port: ctx.ipmiPort } : null },
  };
}

function profilePicker(
  sel: unknown,
  path: string,
  profiles: Record<string, HardwareProfile>,
  problems: Problems,
): ((rng: Rng) => HardwareProfile) | undefined {
  if (typeof sel === 'string') {
    const p = profiles[sel];
    if (!p) {
      problems.add(path, `unknown profile '${sel}' (known: ${Object.keys(profiles).join(', ')})`);
      return undefined;
    }
    return () => p;
  }
  if (sel && typeof sel === 'object' && !Array.isArray(sel)) {
    const entries = Object.entries(sel as Record<string, unknown>);
    let total = 0;
    const list: [HardwareProfile, number][] = [];
    for (const [name, w] of entries) {
      const p = profiles[name];
      if (!p) problems.add(`${path}.${name}`, `unknown profile '${name}' (known: ${Object.keys(profiles).join(', ')})`);
      if (typeof w !== 'number' || !(w > 0)) problems.add(`${path}.${name}`, `expected a positive share, got ${JSON.stringify(w)}`);
      else if (p) {
        total += w;
        list.push([p, w]);
      }
    }
    if (list.length === 0) return undefined;
    return (rng) => {
      let u = rng.next() * total;
      for (const [p, w] of list) if ((u -= w) < 0) return p;
      return list[list.length - 1]![0];
    };
  }
  problems.add(path, `expected a profile name or a mix {name: share}, got ${JSON.stringify(sel)}`);
  return undefined;
}

/** Locally administered unicast MAC (02:…): a seed byte, then the node index and NIC number. */
function deterministicMac(seedByte: number, node: number, nic: number): string {
  const v = node * 8 + nic; // up to 8 NICs per node
  const bytes = [0x02, seedByte, (v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
  return bytes.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

function deterministicUuid(rng: Rng): string {
  const h = Array.from({ length: 16 }, () => rng.int(0, 256));
  h[6] = (h[6]! & 0x0f) | 0x40; // version 4 layout, deterministic content
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
