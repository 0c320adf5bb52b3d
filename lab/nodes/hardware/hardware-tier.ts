/**
 * The hardware tier: sites whose machines fleetlab did not create, known only by the inventory.
 * Each site gets the qemu tier's site (netns, LAN bridge, DHCP relay + RA, shaped userspace WAN
 * to the target) with the inventory's lab interface as a port of its bridge; each machine is
 * reached only through its BMC (a Machine built by the composition root from lab/clients).
 *
 *   startHardwareTier ─▶ per site: createQemuSite(observe frames) ─▶ attachLabInterface(ifname)
 *                     ─▶ per machine: connect(BMC) ─▶ read boot override (kept for restore)
 *                                                  └▶ poll power ─▶ ObservedNode (phases, PXE deadline)
 *                        BMC refused / unreachable ─▶ node.failed with the client's code (others go on)
 *   WAN frames ─▶ BootTrafficObserver ─▶ observation per MAC ─▶ that machine's ObservedNode
 *   close()    ─▶ restore each boot override that differs ─▶ close BMC clients ─▶ detach interfaces ─▶ sites
 *
 * Nothing on a machine is touched here except restoring the boot override fleetlab read at start
 * (after a run, also on SIGINT/SIGTERM, a machine boots as it did before). Power is the target's.
 */
import { join } from 'node:path';
import type { EventSink } from '../../base/event.ts';
import { ERRORS, isFleetlabError } from '../../base/errors.ts';
import type { BootOverride, Machine } from '../../base/machine.ts';
import type { LinkProfile } from '../../net/link-spec.ts';
import { createQemuSite, type CorePorts, type QemuSite } from '../../net/netns/qemu-site.ts';
import type { FrameLink } from '../../net/netns/userspace-wan.ts';
import { claimRunTag, gcDeadRuns } from '../../net/netns/run-owner.ts';
import { guardOnExit } from '../../net/netns/exit-guard.ts';
import { requireQemu } from '../qemu/accel.ts';
import { BootTrafficObserver } from './boot-traffic.ts';
import { attachLabInterface } from './lab-interface.ts';
import { ObservedNode } from './observed-phases.ts';
import { BlockedMachine } from './blocked-machine.ts';

/** A machine behind a BMC fleetlab does not own (RemoteMachine satisfies it). */
export interface HardwareMachine extends Machine {
  watch(intervalMs?: number): () => void;
  /** Read power and boot override from the BMC (the target changes them behind our back). */
  refresh(): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface HardwareTierSite {
  name: string;
  ordinal: number;
  /** Host interface the site's machines boot on. */
  interface: string;
  link?: LinkProfile;
  frameLink?: FrameLink;
}

export interface HardwareTierNode {
  name: string;
  site: string;
  macs: string[];
  /** Power-on to first DHCP request before the node fails HARDWARE_NO_PXE. */
  powerOnToDhcpMs: number;
}

export interface HardwareTierOptions {
  runId: string;
  workDir: string;
  events: EventSink;
  sites: HardwareTierSite[];
  nodes: HardwareTierNode[];
  core: CorePorts;
  /** The node's BMC as a Machine (state read); rejects with a FleetlabError code when it cannot. */
  connect(node: string): Promise<HardwareMachine>;
  /** BMC power poll interval (default 2000 ms). */
  pollMs?: number;
  signal?: AbortSignal;
}

export interface HardwareTier {
  sites: Map<string, QemuSite>;
  machines: Map<string, Machine>;
  /** Nodes whose BMC could not be used at start: the run must not hand them to the target. */
  blocked: Map<string, { code: string; message: string }>;
  close(): Promise<void>;
}

interface Connected {
  node: string;
  machine: HardwareMachine;
  saved: BootOverride;
  observed: ObservedNode;
  unwatch: () => void;
}

export async function startHardwareTier(o: HardwareTierOptions): Promise<HardwareTier> {
  requireQemu({ socat: true }); // the site relay is dnsmasq, the WAN socat (no VM is run)
  const gc = await gcDeadRuns();
  if (gc.removed.length) o.events.emit({ kind: 'log', level: 'info', msg: `hardware: removed leftovers of dead runs (tags ${gc.removed.join(', ')})` });
  const owner = claimRunTag(o.runId);
  const unguardOwner = guardOnExit(() => owner.release());
  const sites = new Map<string, QemuSite>();
  const undo: (() => Promise<void>)[] = [];
  const connected: Connected[] = [];
  const machines = new Map<string, Machine>();
  const blocked = new Map<string, { code: string; message: string }>();
  const byMac = new Map<string, ObservedNode>();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await Promise.all(connected.map((c) => release(c, o.events)));
    for (const u of undo.reverse()) await u();
    owner.release();
    unguardOwner();
  };
  try {
    for (const s of o.sites) {
      if (o.signal?.aborted) throw new Error('aborted');
      const observer = new BootTrafficObserver((ob) => byMac.get(ob.mac)?.see(ob));
      const site = await createQemuSite({ runId: o.runId, tag: owner.tag, index: s.ordinal, site: s.name, core: o.core, link: s.link, frameLink: s.frameLink, engine: 'userspace', observe: (dir, f) => observer.frame(dir, f), signal: o.signal, workDir: join(o.workDir, s.name), events: o.events });
      sites.set(s.name, site);
      undo.push(() => site.teardown());
      undo.push(await attachLabInterface({ site: s.name, ns: site.ns, bridge: site.names.bridge }, s.interface));
      o.events.emit({ kind: 'log', level: 'info', msg: `hardware site ${s.name}: lab interface ${s.interface} joined ${site.lanCidr} (relay ${site.gateway})` });
    }
    await Promise.all(o.nodes.map((n) => connectNode(o, n, { connected, machines, blocked, byMac })));
    return { sites, machines, blocked, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Connect one machine's BMC; a failure blocks that node only (node.failed with the client's code). */
async function connectNode(o: HardwareTierOptions, n: HardwareTierNode, into: { connected: Connected[]; machines: Map<string, Machine>; blocked: HardwareTier['blocked']; byMac: Map<string, ObservedNode> }): Promise<void> {
  const observed = new ObservedNode({ node: n.name, site: n.site, emit: (e) => o.events.emit(e), now: () => performance.now(), powerOnToDhcpMs: n.powerOnToDhcpMs });
  let machine: HardwareMachine;
  try {
    machine = await o.connect(n.name);
  } catch (e) {
    const code = isFleetlabError(e) ? e.code : ERRORS.BMC_CLIENT_REFUSED.code;
    const message = `BMC: ${(e as Error).message}`;
    into.blocked.set(n.name, { code, message });
    into.machines.set(n.name, new BlockedMachine(n.name, code, message));
    o.events.emit({ kind: 'node.failed', node: n.name, phase: 'power-on', code, message });
    return;
  }
  const saved = { ...machine.bootOverride };
  o.events.emit({ kind: 'log', level: 'info', msg: `hardware node ${n.name}: BMC reached, power ${machine.power()}, boot override ${saved.target}${saved.target === 'none' ? '' : saved.once ? ' once' : ' continuous'} (restored at the end)` });
  const off = machine.onPowerChange?.((s) => observed.power(s, 'observed (BMC poll)')) ?? (() => {});
  const stopPoll = machine.watch(o.pollMs ?? 2000);
  if (machine.power() === 'on') observed.power('on', 'on at start');
  for (const mac of n.macs) into.byMac.set(mac.toLowerCase(), observed);
  into.machines.set(n.name, machine);
  into.connected.push({
    node: n.name,
    machine,
    saved,
    observed,
    unwatch: () => {
      stopPoll();
      off();
    },
  });
}

/** Stop watching; put back the boot override read at start when it differs; close the client. */
async function release(c: Connected, events: EventSink): Promise<void> {
  c.unwatch();
  c.observed.close();
  try {
    await c.machine.flush().catch(() => {});
    await c.machine.refresh();
    const now = c.machine.bootOverride;
    if (now.target !== c.saved.target || now.once !== c.saved.once || (c.saved.target !== 'none' && now.mode !== c.saved.mode)) {
      c.machine.bootOverride = c.saved;
      await c.machine.flush();
      events.emit({ kind: 'log', level: 'info', msg: `hardware node ${c.node}: boot override restored to ${c.saved.target}` });
    }
  } catch (e) {
    events.emit({ kind: 'log', level: 'warn', code: isFleetlabError(e) ? e.code : ERRORS.BMC_CLIENT_REFUSED.code, msg: `hardware node ${c.node}: could not restore its boot override: ${(e as Error).message}` });
  } finally {
    await c.machine.close().catch(() => {});
  }
}
