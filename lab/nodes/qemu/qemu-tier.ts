/**
 * The qemu tier of a lab: what lab.ts calls for sites whose `tier` is 'qemu'. Builds one
 * QemuSite (netns, relay, RA, link) per site and one QemuNode (VM, Machine) per node, shares a
 * VmScheduler (maxConcurrentVMs) across them, and tears everything down in reverse order.
 *
 *   startQemuTier ─▶ for each site: createQemuSite ─▶ for each node: createQemuNode (powered off)
 *   close()       ─▶ nodes (quit qemu, TAPs) ─▶ sites (dnsmasq, nft, veth, netns), reverse order
 *
 * Site addressing comes from qemuSiteAddressing(ordinal) (lab/net/netns/naming.ts) so the lab
 * spec gives the target the same subnets/relays the namespaces use.
 */
import { join } from 'node:path';
import type { EventSink } from '../../base/event.ts';
import type { LinkProfile } from '../../net/link-spec.ts';
import { createQemuSite, type CorePorts, type QemuLinkEngine, type QemuSite } from '../../net/netns/qemu-site.ts';
import type { FrameLink } from '../../net/netns/userspace-wan.ts';
import type { Inventory } from '../../base/machine.ts';
import type { NodeFaults } from '../../faults/fault-hooks.ts';
import type { AccelPref } from './accel.ts';
import { requireQemu } from './accel.ts';
import { createQemuNode, type QemuNode } from './qemu-node.ts';
import { createVmScheduler, type VmScheduler } from './vm-scheduler.ts';
import { claimRunTag, gcDeadRuns } from '../../net/netns/run-owner.ts';
import { guardOnExit } from '../../net/netns/exit-guard.ts';

export interface QemuTierSite {
  name: string;
  /** Ordinal among the lab's qemu sites (0..255): picks the 10.213.<ordinal>.0/24 LAN. */
  ordinal: number;
  link?: LinkProfile;
  /** The site's link model, when the run has one: the userspace WAN consults it per frame. */
  frameLink?: FrameLink;
}

export interface QemuTierNode {
  name: string;
  site: string;
  mac: string;
  uuid: string;
  inventory: Inventory;
  /** The node's fault hooks (the VM honours powerLossAtPhase). */
  faults?: NodeFaults;
}

export interface QemuTierOptions {
  runId: string;
  /** Disks, QMP sockets, serial logs, dnsmasq logs go below this directory. */
  workDir: string;
  events: EventSink;
  sites: QemuTierSite[];
  nodes: QemuTierNode[];
  /** The target's listeners on host loopback. */
  core: CorePorts;
  maxConcurrentVMs?: number;
  /** WAN emulation for every qemu site (default 'userspace'; see qemu-site.ts). */
  linkEngine?: QemuLinkEngine;
  accel?: AccelPref;
  memoryMiB?: number;
  signal?: AbortSignal;
}

export interface QemuTier {
  sites: Map<string, QemuSite>;
  machines: Map<string, QemuNode>;
  scheduler: VmScheduler;
  close(): Promise<void>;
}

/** Two VMs per 2 cores is the measured useful maximum under TCG (issue 6). */
export function defaultMaxConcurrentVMs(): number {
  const env = Number(process.env.FLEETLAB_MAX_VMS);
  return Number.isInteger(env) && env > 0 ? env : 2;
}

export async function startQemuTier(o: QemuTierOptions): Promise<QemuTier> {
  requireQemu({ socat: (o.linkEngine ?? 'userspace') === 'userspace' });
  // Leftovers of killed runs (owner pid gone) would collide with ours ("RTNETLINK: File exists"):
  // remove them, then claim a tag no live run uses (names fl-<tag>-…, see naming.ts).
  const gc = await gcDeadRuns();
  if (gc.removed.length) o.events.emit({ kind: 'log', level: 'info', msg: `qemu: removed leftovers of dead runs (tags ${gc.removed.join(', ')})` });
  const owner = claimRunTag(o.runId);
  const unguardOwner = guardOnExit(() => owner.release());
  const sites = new Map<string, QemuSite>();
  const machines = new Map<string, QemuNode>();
  const scheduler = createVmScheduler(o.maxConcurrentVMs ?? defaultMaxConcurrentVMs());
  const order: QemuSite[] = [];
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await Promise.all([...machines.values()].map((m) => m.close()));
    for (const s of order.reverse()) await s.teardown();
    owner.release();
    unguardOwner();
  };
  try {
    for (const s of o.sites) {
      if (o.signal?.aborted) throw new Error('aborted');
      const site = await createQemuSite({ runId: o.runId, tag: owner.tag, index: s.ordinal, site: s.name, core: o.core, link: s.link, frameLink: s.frameLink, engine: o.linkEngine, signal: o.signal, workDir: join(o.workDir, s.name), events: o.events });
      sites.set(s.name, site);
      order.push(site);
    }
    const perSite = new Map<string, number>();
    for (const n of o.nodes) {
      if (o.signal?.aborted) throw new Error('aborted');
      const site = sites.get(n.site);
      if (!site) throw new Error(`qemu node ${n.name}: site ${n.site} is not a qemu site`);
      const slot = perSite.get(n.site) ?? 0;
      perSite.set(n.site, slot + 1);
      const m = await createQemuNode({
        name: n.name,
        site,
        slot,
        mac: n.mac,
        uuid: n.uuid,
        inventory: n.inventory,
        workDir: join(o.workDir, n.site, n.name),
        events: o.events,
        scheduler,
        accel: o.accel,
        memoryMiB: o.memoryMiB,
        ...(n.faults ? { faults: n.faults } : {}),
      });
      machines.set(n.name, m);
    }
    return { sites, machines, scheduler, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** What a qemu VM looks like to inspection (SMBIOS type 1 carries vendor/model/serial/uuid). */
export function qemuInventory(n: { index: number; uuid: string; macs: string[] }, memoryMiB = 256): Inventory {
  return {
    vendor: 'QEMU',
    model: 'Standard PC (i440FX + PIIX, 1996)',
    serial: `FLQ${n.index.toString(16).toUpperCase().padStart(8, '0')}`,
    uuid: n.uuid,
    biosVersion: 'SeaBIOS',
    firmware: 'bios',
    cpu: { model: 'QEMU Virtual CPU (TCG)', sockets: 1, coresPerSocket: 1, threadsPerCore: 1, mhz: 2000 },
    memoryGiB: memoryMiB / 1024,
    disks: [{ name: 'vda', sizeGB: 2, kind: 'ssd' }],
    nics: n.macs.slice(0, 1).map((mac, i) => ({ name: `eth${i}`, mac, speedMbps: 1000 })),
  };
}
