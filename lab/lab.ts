/**
 * Builds a running lab from a resolved spec: site links, DHCP relays, simulated nodes, and one
 * BMC per node served by the shared Redfish (and optionally IPMI) emulators.
 *
 *   ResolvedLab ─▶ links (per site) ─▶ RelayHub (per-site relay sockets) ─▶ SimNodes (Machine)
 *                                                   BmcSystems ─▶ Redfish server / IPMI server
 *
 * Everything started here is registered for `close()`, which stops it in reverse order.
 */
import type { Clock } from './base/clock.ts';
import type { Rng } from './base/rng.ts';
import type { EventSink } from './base/event.ts';
import type { ResolvedLab, ResolvedNode, ResolvedSite } from './config/lab-spec.ts';
import type { SiteLink } from './net/site-link.ts';
import { passthroughLink } from './net/site-link.ts';
import { isSiteLinkControl } from './net/site-link-model.ts';
import type { QemuLinkEngine } from './net/netns/qemu-site.ts';
import type { BmcSystem } from './bmc/bmc-system.ts';
import type { NodeFaults, BmcFaults } from './faults/fault-hooks.ts';
import { noBmcFaults, noNodeFaults } from './faults/fault-hooks.ts';
import { RelayHub } from './proto/dhcp/relay-hub.ts';
import { SimNode } from './nodes/sim/sim-node.ts';
import { Semaphore } from './nodes/sim/semaphore.ts';
import type { AgentPersona } from './nodes/sim/agent-persona.ts';
import type { SimEnv } from './nodes/sim/sim-env.ts';
import type { Machine } from './base/machine.ts';
import { startRedfishServer } from './bmc/redfish/redfish-server.ts';
import { personaByName } from './bmc/redfish/personas/persona-registry.ts';
import type { LinkProfile } from './net/link-spec.ts';
import { qemuInventory, startQemuTier, type QemuTier } from './nodes/qemu/qemu-tier.ts';
import { ERRORS, FleetlabError } from './base/errors.ts';
import { isNetnsSite } from './config/lab-spec.ts';
import type { Inventory } from './config/inventory/inventory-schema.ts';
import { startHardwareTier, type HardwareTier } from './nodes/hardware/hardware-tier.ts';
import { inventoryConnector } from './hardware-machines.ts';
import { remoteBmcOf, type RemoteBmcAccess } from './remote-bmc-access.ts';

export interface LabNode {
  spec: ResolvedNode;
  name: string;
  site: string;
  machine: Machine;
  /** Present for sim-tier nodes. */
  sim: SimNode | null;
  tier: 'sim' | 'qemu' | 'hardware';
  faults: NodeFaults;
  bmc: BmcSystem;
  /** Hardware nodes: the BMC the inventory names (what the target is given instead of an emulator's). */
  remoteBmc?: RemoteBmcAccess;
  /** Hardware nodes whose BMC could not be used at start (already failed with this code). */
  blocked?: { code: string; message: string };
}

export interface LabSite {
  spec: ResolvedSite;
  name: string;
  link: SiteLink;
}

export interface LabOptions {
  spec: ResolvedLab;
  events: EventSink;
  clock: Clock;
  rng: Rng;
  boot: { dhcp: { host: string; port: number }; relayPort: number; tftp: { host: string; port: number } };
  persona: (node: string) => AgentPersona;
  /** Builds each site's link (lab/net); default: an ideal LAN. */
  linkFor?: (site: ResolvedSite) => SiteLink;
  /** Extra BMC address bindings need root for port 623 on 127.x addresses. */
  ipmi?: boolean;
  signal: AbortSignal;
  /** Concurrency caps for a fleet-scale storm (fd budget). */
  maxConcurrentTftp?: number;
  maxConcurrentHttp?: number;
  /** Sites with tier 'qemu' (lab/nodes/qemu): run id + directory for VMs, their link profiles. */
  qemu?: { runId: string; workDir: string; linkProfile?: (site: string) => LinkProfile | undefined; maxConcurrentVMs?: number; linkEngine?: QemuLinkEngine };
  /** Sites with tier 'hardware' (lab/nodes/hardware): the inventory they come from. */
  hardware?: { inventory: Inventory };
}

export interface Lab {
  spec: ResolvedLab;
  nodes: LabNode[];
  sites: LabSite[];
  node(name: string): LabNode | undefined;
  redfish: { url: string } | null;
  ipmi: { system: string; host: string; port: number }[];
  close(): Promise<void>;
}

type Cleanup = (() => Promise<void> | void)[];
type FaultsOf = (name: string) => NodeFaults;

export async function startLab(o: LabOptions): Promise<Lab> {
  checkPersonas(o.spec);
  const cleanup: Cleanup = [];
  const close = async () => {
    while (cleanup.length) {
      const c = cleanup.pop()!;
      try {
        await c();
      } catch (e) {
        o.events.emit({ kind: 'log', level: 'warn', msg: `lab teardown: ${(e as Error).message}` });
      }
    }
  };
  try {
    const spec = o.spec;
    const sites = labSites(o);
    // Per-site relay sockets while the fd budget allows; one wildcard socket beyond that.
    const relays = new RelayHub({ server: o.boot.dhcp, relayPort: o.boot.relayPort, perSite: sites.length <= 2000 || o.boot.relayPort === 67, events: o.events });
    cleanup.push(() => relays.close());
    for (const s of sites) if (!isNetnsSite(s.spec)) await relays.addSite(s.name, s.spec.relay, s.link);
    const siteByName = new Map(sites.map((s) => [s.name, s]));
    // Every node's fault hooks, made before the machines so VMs get theirs at creation.
    const nodeFaults = new Map<string, NodeFaults>();
    const faultsOf: FaultsOf = (name) => {
      let f = nodeFaults.get(name);
      if (!f) nodeFaults.set(name, (f = noNodeFaults()));
      return f;
    };
    const qemu = await startQemuSites(o, siteByName, faultsOf, cleanup);
    // node.info first: it ties each BMC to its node, so the BMC transcript of connecting counts as the node's.
    for (const n of spec.nodes) o.events.emit({ kind: 'node.info', node: n.name, site: n.site, profile: n.profile.name, macs: n.macs, bmc: n.bmc.id });
    const hw = await startHardwareSites(o, siteByName, cleanup);
    const env = simNodeEnv(o, relays, cleanup);
    const nodes: LabNode[] = spec.nodes.map((n) => {
      const faults = faultsOf(n.name);
      const vm = qemu?.machines.get(n.name);
      const remote = hw?.machines.get(n.name);
      const sim = vm || remote ? null : simNode(n, siteByName.get(n.site)!.link, faults, env);
      const machine: Machine = vm ?? remote ?? sim!;
      const tier = vm ? 'qemu' : remote ? 'hardware' : 'sim';
      const blocked = hw?.blocked.get(n.name);
      const hwExtra = remote && o.hardware ? { remoteBmc: remoteBmcOf(o.hardware.inventory, n.name), ...(blocked ? { blocked } : {}) } : {};
      return { spec: n, name: n.name, site: n.site, machine, sim, tier, faults, bmc: bmcOf(spec, n, machine), ...hwExtra };
    });
    cleanup.push(() => {
      for (const n of nodes) n.sim?.shutdown();
    });
    const { redfish, ipmi } = await startBmcServers(o, nodes, cleanup);
    const byName = new Map(nodes.map((n) => [n.name, n]));
    return { spec, nodes, sites, node: (name) => byName.get(name), redfish, ipmi, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Each site and its link (the kernel-engine warning when qemu sites cannot take a link model). */
function labSites(o: LabOptions): LabSite[] {
  const spec = o.spec;
  // qemu-tier sites have a real relay (dnsmasq in the netns) and real frames on their WAN; the
  // same link model decides those frames' fate (userspace engine), so faults reach them too.
  // On the kernel engine (veth + tc/nft) the model would not drive the real link: such sites get
  // no model, so link faults report them instead of seeming to act.
  const kernelWan = o.qemu?.linkEngine === 'kernel';
  const sites: LabSite[] = spec.sites.map((s) => ({ spec: s, name: s.name, link: o.linkFor && !(kernelWan && s.tier === 'qemu') ? o.linkFor(s) : passthroughLink(s.name) }));
  if (kernelWan && spec.sites.some((s) => s.tier === 'qemu')) {
    o.events.emit({ kind: 'log', level: 'warn', code: ERRORS.FAULT_UNSUPPORTED.code, msg: 'qemu sites on the kernel link engine take their link profile from tc/nft once; link faults cannot reach them (use linkEngine=userspace)' });
  }
  return sites;
}

/** The qemu tier for the spec's qemu sites (null when there are none). */
async function startQemuSites(o: LabOptions, siteByName: Map<string, LabSite>, faultsOf: FaultsOf, cleanup: Cleanup): Promise<QemuTier | null> {
  const spec = o.spec;
  const qemuSites = spec.sites.filter((s) => s.tier === 'qemu');
  if (!qemuSites.length) return null;
  const q = o.qemu ?? { runId: `pid${process.pid}-${Date.now()}`, workDir: `/tmp/fleetlab-qemu-${process.pid}` };
  const qemuSiteNames = new Set(qemuSites.map((s) => s.name));
  const tier = await startQemuTier({
    runId: q.runId,
    workDir: q.workDir,
    events: o.events,
    sites: qemuSites.map((s, ordinal) => {
      const link = siteByName.get(s.name)!.link;
      return { name: s.name, ordinal, link: q.linkProfile?.(s.name), frameLink: isSiteLinkControl(link) ? link : undefined };
    }),
    linkEngine: q.linkEngine,
    nodes: spec.nodes.filter((n) => qemuSiteNames.has(n.site)).map((n) => ({ name: n.name, site: n.site, mac: n.macs[0]!, uuid: n.uuid, inventory: qemuInventory(n), faults: faultsOf(n.name) })),
    core: { host: o.boot.dhcp.host, dhcpPort: o.boot.dhcp.port, tftpPort: o.boot.tftp.port },
    maxConcurrentVMs: q.maxConcurrentVMs,
    signal: o.signal,
  });
  cleanup.push(() => tier.close());
  return tier;
}

/** The hardware tier for the spec's hardware sites (null when there are none). */
async function startHardwareSites(o: LabOptions, siteByName: Map<string, LabSite>, cleanup: Cleanup): Promise<HardwareTier | null> {
  const hwSites = o.spec.sites.filter((s) => s.tier === 'hardware');
  if (!hwSites.length) return null;
  const inv = o.hardware?.inventory;
  if (!inv) throw new Error('hardware sites without an inventory (pass LabOptions.hardware)');
  const q = o.qemu ?? { runId: `pid${process.pid}-${Date.now()}`, workDir: `/tmp/fleetlab-hw-${process.pid}` };
  const entry = new Map(inv.machines.map((m) => [m.name, m]));
  const bmcId = new Map(o.spec.nodes.map((n) => [n.name, n.bmc.id]));
  const tier = await startHardwareTier({
    runId: q.runId,
    workDir: q.workDir,
    events: o.events,
    sites: hwSites.map((s) => {
      const link = siteByName.get(s.name)!.link;
      return { name: s.name, ordinal: s.index, interface: inv.sites[s.name]!.interface, link: q.linkProfile?.(s.name), frameLink: isSiteLinkControl(link) ? link : undefined };
    }),
    nodes: o.spec.nodes.filter((n) => entry.has(n.name)).map((n) => ({ name: n.name, site: n.site, macs: n.macs, powerOnToDhcpMs: entry.get(n.name)!.timings.powerOnToDhcpMs ?? 180_000 })),
    core: { host: o.boot.dhcp.host, dhcpPort: o.boot.dhcp.port, tftpPort: o.boot.tftp.port },
    connect: inventoryConnector(inv, (node) => bmcId.get(node) ?? node, o.events),
    signal: o.signal,
  });
  cleanup.push(() => tier.close());
  return tier;
}

/** What every SimNode shares: clock, rng, relays, persona, transfer slots, and the run's abort. */
function simNodeEnv(o: LabOptions, relays: RelayHub, cleanup: Cleanup): SimEnv {
  const runAbort = new AbortController();
  const onOuter = () => runAbort.abort();
  o.signal.addEventListener('abort', onOuter, { once: true });
  cleanup.push(() => {
    o.signal.removeEventListener('abort', onOuter);
    runAbort.abort();
  });
  return {
    clock: o.clock,
    rng: o.rng.child('nodes'),
    events: o.events,
    relays,
    persona: o.persona,
    // Each transfer holds a socket on both ends (client here, server in the target): 512 of each
    // keeps a 30k-node storm inside a 20k fd limit; one thread moves bytes no faster with more.
    tftpSlots: new Semaphore(o.maxConcurrentTftp ?? 512),
    httpSlots: new Semaphore(o.maxConcurrentHttp ?? 512),
    minProtocolTimeoutMs: 1000,
    tftpPort: o.boot.tftp.port,
    signal: runAbort.signal,
  };
}

/** A sim-tier node on its site's link. */
function simNode(n: ResolvedNode, link: SiteLink, faults: NodeFaults, env: SimEnv): SimNode {
  return new SimNode({
    name: n.name,
    site: n.site,
    uuid: n.uuid,
    macs: n.macs,
    serial: `FL${n.index.toString(16).toUpperCase().padStart(8, '0')}`,
    profile: n.profile,
    link,
    faults,
    env,
  });
}

/** Every profile's `bmc.persona` names a registered persona (exit 2 before anything starts). */
function checkPersonas(spec: ResolvedLab): void {
  for (const [name, p] of Object.entries(spec.profiles)) {
    if (p.bmc === undefined) continue;
    try {
      personaByName(p.bmc.persona);
    } catch (e) {
      throw new FleetlabError('BMC_PERSONA_UNKNOWN', `profiles.${name}.bmc.persona: ${(e as Error).message}`);
    }
  }
}

/** A node's BMC: its machine (VM or SimNode) behind the lab's credentials and its profile's persona, no faults yet. */
function bmcOf(spec: ResolvedLab, n: ResolvedNode, machine: Machine): BmcSystem {
  const bmcFaults: BmcFaults = noBmcFaults();
  return {
    id: n.bmc.id,
    machine,
    credentials: { username: spec.bmc.username, password: spec.bmc.password },
    ...(n.bmc.ipmi ? { ipmi: n.bmc.ipmi } : {}),
    ...(n.profile.bmc ? { persona: n.profile.bmc.persona } : {}),
    faults: bmcFaults,
  };
}

/** The Redfish emulator (when the spec has one) and the IPMI emulator (when asked and specced). */
async function startBmcServers(o: LabOptions, nodes: LabNode[], cleanup: Cleanup): Promise<Pick<Lab, 'redfish' | 'ipmi'>> {
  const spec = o.spec;
  let redfish: Lab['redfish'] = null;
  if (spec.bmc.redfish) {
    // Service-wide resources (root, sessions) follow the nodes' persona when they all share one.
    const emulated = nodes.filter((n) => n.tier !== 'hardware');
    const personas = new Set(emulated.map((n) => n.bmc.persona ?? 'generic'));
    const persona = personas.size === 1 ? [...personas][0]! : 'generic';
    const rf = await startRedfishServer({ systems: emulated.map((n) => n.bmc), events: o.events, clock: o.clock, rng: o.rng.child('redfish'), persona });
    cleanup.push(() => rf.close());
    redfish = { url: rf.url };
  }
  let ipmi: Lab['ipmi'] = [];
  if (o.ipmi && spec.bmc.ipmi) {
    const mod = await import('./bmc/ipmi/ipmi-server.ts');
    const srv = await mod.startIpmiServer({ systems: nodes.filter((n) => n.tier !== 'hardware').map((n) => n.bmc), events: o.events, clock: o.clock, rng: o.rng.child('ipmi') });
    cleanup.push(() => srv.close());
    ipmi = srv.addresses;
  }
  return { redfish, ipmi };
}
