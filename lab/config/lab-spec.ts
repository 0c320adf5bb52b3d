/**
 * The lab spec: sites, nodes per site, hardware profiles, BMC credentials, link profiles and
 * addressing. `resolveLab` validates everything (collecting ALL problems with their paths) and
 * expands it into concrete sites and nodes with deterministic MACs/UUIDs from the seed.
 *
 *   LabSpec (user input, unknown) ──validate──▶ Problems (all, with paths) | ResolvedLab
 *
 * Sim-tier addressing lives on loopback (every 127.x.y.z is local on Linux), so a real server sees
 * a distinct address per site relay and per node:
 *   site s      subnet 127.(base + s>>8).(s&255).0/24, relay (giaddr) .1, node pool .10–.250
 *   node n BMC  127.(bmcBase + c>>8).(c&255).(n%254+1), c = n/254 — its own IPMI address on port 623
 */
import type { Rng } from '../base/rng.ts';
import { createRng } from '../base/rng.ts';
import type { HardwareProfile } from './hardware-profile.ts';
import { BUILTIN_PROFILES, QEMU_PROFILE, parseProfile } from './hardware-profile.ts';
import { Problems } from '../base/problem.ts';
import { MAX_QEMU_SITES, qemuSiteAddressing } from '../net/netns/naming.ts';

export type Tier = 'sim' | 'qemu';

export interface SiteSpec {
  name?: string;
  nodes?: number;
  /** Profile name, or a mix `{profileA: 0.7, profileB: 0.3}` drawn per node with the seed. */
  profile?: string | Record<string, number>;
  /** Link profile (parsed by lab/net): preset name or object. Recorded as given. */
  link?: unknown;
  labels?: Record<string, string>;
  tier?: Tier;
}

export interface LabSpec {
  sites?: number | SiteSpec[];
  nodesPerSite?: number;
  profiles?: unknown[];
  /** Default profile (or mix) for sites that don't name one. */
  profile?: string | Record<string, number>;
  /** Default link for every site; a site's own `link` overrides it. */
  link?: unknown;
  bmc?: { username?: string; password?: string; ipmi?: boolean; redfish?: boolean };
  tier?: Tier;
  addressing?: { siteBase?: number; bmcBase?: number; ipmiPort?: number };
  /** Multiplies every modelled duration; 0 = as fast as possible. */
  timeScale?: number;
}

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
  tier: Tier;
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

const SITE_KEYS = new Set(['name', 'nodes', 'profile', 'link', 'labels', 'tier']);
const LAB_KEYS = new Set(['sites', 'nodesPerSite', 'profiles', 'profile', 'link', 'bmc', 'tier', 'addressing', 'timeScale']);
export const MAX_NODES_PER_SITE = 240; // pool .10–.250 of a /24
export const MAX_SITES = 200 * 256;

const isInt = (v: unknown, lo: number, hi: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;

/** Validate and expand. Throws FLEETLAB_ERR_SPEC_INVALID listing every problem. `path` prefixes problem paths. */
export function resolveLab(input: unknown, seed: number, path = 'lab'): ResolvedLab {
  const problems = new Problems();
  const lab = checkLab(input, seed, path, problems);
  problems.throwIfAny('SPEC_INVALID');
  return lab!;
}

export function checkLab(input: unknown, seed: number, path: string, problems: Problems): ResolvedLab | undefined {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    problems.add(path, 'expected an object');
    return undefined;
  }
  const spec = input as LabSpec & Record<string, unknown>;
  for (const k of Object.keys(spec)) if (!LAB_KEYS.has(k)) problems.add(`${path}.${k}`, `unknown field (known: ${[...LAB_KEYS].join(', ')})`);

  // Profiles first: sites refer to them by name.
  const profiles: Record<string, HardwareProfile> = { ...BUILTIN_PROFILES };
  if (spec.profiles !== undefined) {
    if (!Array.isArray(spec.profiles)) problems.add(`${path}.profiles`, 'expected a list of profiles');
    else
      spec.profiles.forEach((p, i) => {
        const parsed = parseProfile(p, `${path}.profiles[${i}]`, problems, profiles);
        if (parsed) profiles[parsed.name] = parsed;
      });
  }

  const timeScale = spec.timeScale ?? 1;
  if (typeof timeScale !== 'number' || !(timeScale >= 0) || timeScale > 100) problems.add(`${path}.timeScale`, `expected a number 0..100, got ${JSON.stringify(spec.timeScale)}`);
  const tier = spec.tier ?? 'sim';
  if (tier !== 'sim' && tier !== 'qemu') problems.add(`${path}.tier`, `expected 'sim' or 'qemu', got ${JSON.stringify(tier)}`);

  const nodesPerSite = spec.nodesPerSite ?? 1;
  if (!isInt(nodesPerSite, 0, MAX_NODES_PER_SITE)) problems.add(`${path}.nodesPerSite`, `expected an integer 0..${MAX_NODES_PER_SITE}, got ${JSON.stringify(spec.nodesPerSite)}`);

  const bmcIn = spec.bmc ?? {};
  const bmc = { username: 'admin', password: 'password', ipmi: true, redfish: true };
  if (typeof bmcIn !== 'object' || bmcIn === null) problems.add(`${path}.bmc`, 'expected an object');
  else {
    for (const k of ['username', 'password'] as const) {
      const v = bmcIn[k];
      if (v === undefined) continue;
      if (typeof v !== 'string' || v.length === 0 || v.length > (k === 'username' ? 16 : 20)) problems.add(`${path}.bmc.${k}`, `expected a non-empty string of at most ${k === 'username' ? 16 : 20} characters (IPMI limit)`);
      else bmc[k] = v;
    }
    for (const k of ['ipmi', 'redfish'] as const) {
      const v = bmcIn[k];
      if (v === undefined) continue;
      if (typeof v !== 'boolean') problems.add(`${path}.bmc.${k}`, 'expected true or false');
      else bmc[k] = v;
    }
  }

  const addr = spec.addressing ?? {};
  const siteBase = addr.siteBase ?? 20;
  const bmcBase = addr.bmcBase ?? 100;
  const ipmiPort = addr.ipmiPort ?? 623;
  if (!isInt(siteBase, 1, 254)) problems.add(`${path}.addressing.siteBase`, 'expected an integer 1..254');
  if (!isInt(bmcBase, 1, 254)) problems.add(`${path}.addressing.bmcBase`, 'expected an integer 1..254');
  if (!isInt(ipmiPort, 0, 65535)) problems.add(`${path}.addressing.ipmiPort`, 'expected a port 0..65535');

  // Sites: a count or an explicit list.
  let siteSpecs: SiteSpec[] = [];
  const sitesIn = spec.sites ?? 1;
  if (typeof sitesIn === 'number') {
    if (!isInt(sitesIn, 0, MAX_SITES)) problems.add(`${path}.sites`, `expected an integer 0..${MAX_SITES} or a list of sites, got ${sitesIn}`);
    else siteSpecs = Array.from({ length: sitesIn }, () => ({}));
  } else if (Array.isArray(sitesIn)) {
    if (sitesIn.length > MAX_SITES) problems.add(`${path}.sites`, `at most ${MAX_SITES} sites`);
    siteSpecs = sitesIn;
  } else problems.add(`${path}.sites`, `expected a count or a list of sites, got ${JSON.stringify(sitesIn)}`);

  const rng = createRng(seed);
  const mixRng = rng.child('profile-mix');
  const idRng = rng.child('ids');
  const macPrefix = idRng.int(0, 256);
  const names = new Set<string>();
  const sites: ResolvedSite[] = [];
  const nodes: ResolvedNode[] = [];
  const maxSiteIndex = (254 - siteBase + 1) * 256;
  let qemuOrdinal = 0; // qemu sites get their LAN inside a network namespace (lab/net/netns)

  siteSpecs.forEach((s, i) => {
    const p = `${path}.sites[${i}]`;
    if (!s || typeof s !== 'object' || Array.isArray(s)) {
      problems.add(p, 'expected an object');
      return;
    }
    for (const k of Object.keys(s)) if (!SITE_KEYS.has(k)) problems.add(`${p}.${k}`, `unknown field (known: ${[...SITE_KEYS].join(', ')})`);
    const name = s.name ?? `site-${String(i).padStart(siteSpecs.length > 1000 ? 5 : 3, '0')}`;
    if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9._-]*$/i.test(name)) problems.add(`${p}.name`, 'expected a name of letters, digits, . _ -');
    else if (names.has(name)) problems.add(`${p}.name`, `duplicate site name '${name}'`);
    names.add(String(name));
    let count = s.nodes ?? nodesPerSite;
    if (!isInt(count, 0, MAX_NODES_PER_SITE)) {
      // An invalid lab-wide nodesPerSite is reported once, at its own path.
      if (s.nodes !== undefined) problems.add(`${p}.nodes`, `expected an integer 0..${MAX_NODES_PER_SITE}, got ${JSON.stringify(s.nodes)}`);
      count = 0;
    }
    const siteTier = s.tier ?? tier;
    if (siteTier !== 'sim' && siteTier !== 'qemu') problems.add(`${p}.tier`, `expected 'sim' or 'qemu', got ${JSON.stringify(siteTier)}`);
    if (s.labels !== undefined && (typeof s.labels !== 'object' || s.labels === null || Object.values(s.labels).some((v) => typeof v !== 'string')))
      problems.add(`${p}.labels`, 'expected an object of strings');
    // A qemu site's nodes are QEMU PCs (the VM is the hardware): a profile named for the site
    // itself must be that one; the lab-wide default does not apply to them.
    if (siteTier === 'qemu' && s.profile !== undefined && s.profile !== QEMU_PROFILE) problems.add(`${p}.profile`, `qemu-tier sites run '${QEMU_PROFILE}' machines, got ${JSON.stringify(s.profile)}`);
    const pick = profilePicker(siteTier === 'qemu' ? QEMU_PROFILE : (s.profile ?? spec.profile ?? 'generic-uefi'), s.profile !== undefined ? `${p}.profile` : `${path}.profile`, profiles, problems);
    if (i >= maxSiteIndex) {
      problems.add(p, `too many sites for addressing.siteBase ${siteBase} (max ${maxSiteIndex})`);
      return;
    }
    const a = siteBase + (i >> 8);
    const b = i & 255;
    if (siteTier === 'qemu' && qemuOrdinal >= MAX_QEMU_SITES) problems.add(`${p}.tier`, `at most ${MAX_QEMU_SITES} qemu sites`);
    const q = siteTier === 'qemu' && qemuOrdinal < MAX_QEMU_SITES ? qemuSiteAddressing(qemuOrdinal++) : null;
    const prefix = q?.prefix ?? `127.${a}.${b}.`;
    const site: ResolvedSite = {
      name: String(name),
      index: i,
      subnet: `${prefix}0/24`,
      prefix,
      relay: `${prefix}1`,
      poolStart: q?.poolStart ?? `${prefix}10`,
      poolEnd: `${prefix}250`,
      link: s.link,
      labels: { site: String(name), ...(s.labels ?? {}) },
      tier: siteTier === 'qemu' ? 'qemu' : 'sim',
    };
    sites.push(site);
    for (let j = 0; j < count; j++) {
      const n = nodes.length;
      const profile = pick?.(mixRng);
      if (!profile) continue;
      const macs = Array.from({ length: profile.nics }, (_, k) => deterministicMac(macPrefix, n, k));
      // 254 hosts per /24 (.1–.254) so no BMC sits on a network or broadcast address.
      const c = Math.floor(n / 254);
      const bmcHost = `127.${bmcBase + (c >> 8)}.${c & 255}.${(n % 254) + 1}`;
      nodes.push({
        name: `${site.name}-n${String(j).padStart(count > 99 ? 3 : 2, '0')}`,
        index: n,
        site: site.name,
        siteIndex: i,
        profile,
        macs,
        uuid: deterministicUuid(idRng),
        bmc: { id: `node-${n}`, ipmi: bmc.ipmi ? { host: bmcHost, port: ipmiPort } : null },
      });
    }
  });
  if (nodes.length > 254 * 256 * (254 - bmcBase)) problems.add(`${path}.addressing.bmcBase`, 'too many nodes for the BMC address range');
  if (!problems.ok) return undefined;
  return { seed, timeScale, sites, nodes, profiles, bmc, link: spec.link };
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
