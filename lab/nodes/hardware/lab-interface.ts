/**
 * A hardware site's lab interface (the host NIC, VLAN sub-interface or veth its machines boot on)
 * joined to the site LAN the qemu tier builds, so real machines' PXE traffic meets the same relay,
 * gateway and shaped WAN as VMs do:
 *
 *   machine ─cable─ <ifname> ──moved into──▶ site ns, port of br0 (10.213.i.1 = giaddr, relay, RA)
 *   undo: nomaster, back to the host namespace (before the site's netns is deleted: a veth in a
 *         deleted namespace would be destroyed with its peer; a NIC would come back with no state)
 *
 * What it changes is only what it needs (namespace, bridge port, link up) and every change is
 * undone, also from an exit guard. An interface that is missing or already a port of another
 * bridge is refused (HARDWARE_LAB_INTERFACE, exit 2): fleetlab never takes a link from someone.
 */
import { FleetlabError } from '../../base/errors.ts';
import { guardOnExit } from '../../net/netns/exit-guard.ts';
import { inNs, sh, shSyncQuiet, trySh, tryInNs } from '../../net/netns/sh.ts';

export interface LabInterfaceSite {
  site: string;
  ns: string;
  /** The site LAN bridge inside `ns`. */
  bridge: string;
}

/** Make `ifname` a port of the site bridge; resolves with the undo. */
export async function attachLabInterface(s: LabInterfaceSite, ifname: string): Promise<() => Promise<void>> {
  const shown = await trySh('ip', ['-o', 'link', 'show', 'dev', ifname]);
  if (!shown) throw new FleetlabError('HARDWARE_LAB_INTERFACE', `site ${s.site}: lab interface '${ifname}' does not exist in the host namespace`);
  const master = / master (\S+)/.exec(shown.stdout)?.[1];
  if (master) throw new FleetlabError('HARDWARE_LAB_INTERFACE', `site ${s.site}: lab interface '${ifname}' is already a port of '${master}'; give fleetlab an interface of its own`);
  const wasUp = /[<,]UP[,>]/.test(shown.stdout);
  const back = () => shSyncQuiet('ip', ['-n', s.ns, 'link', 'set', ifname, 'netns', '1']);
  const unguard = guardOnExit(() => {
    back();
  });
  await sh('ip', ['link', 'set', ifname, 'netns', s.ns]);
  try {
    await inNs(s.ns, 'ip', ['link', 'set', ifname, 'master', s.bridge]);
    await inNs(s.ns, 'ip', ['link', 'set', ifname, 'up']);
  } catch (e) {
    back();
    unguard();
    throw e;
  }
  let undone = false;
  return async () => {
    if (undone) return;
    undone = true;
    await tryInNs(s.ns, 'ip', ['link', 'set', ifname, 'nomaster']);
    await trySh('ip', ['-n', s.ns, 'link', 'set', ifname, 'netns', '1']);
    if (wasUp) await trySh('ip', ['link', 'set', ifname, 'up']);
    unguard();
  };
}
