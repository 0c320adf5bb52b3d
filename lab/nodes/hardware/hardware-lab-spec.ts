/**
 * A hardware run's lab: the scenario's resolved lab with its sites and nodes replaced by the
 * inventory's (`--param tier=hardware --inventory FILE`). Sites get the qemu tier's addressing
 * (10.213.<ordinal>.0/24 inside their namespace), nodes the inventory's names and boot MACs; the
 * rest (time scale, links, BMC flags) stays the scenario's.
 *
 *   ResolvedLab (scenario) + Inventory ─▶ ResolvedLab: sites tier 'hardware', nodes = machines
 */
import type { ResolvedLab, ResolvedNode, ResolvedSite } from '../../config/lab-spec.ts';
import type { Inventory, InventoryMachine } from '../../config/inventory/inventory-schema.ts';
import { qemuSiteAddressing } from '../../net/netns/naming.ts';
import { FleetlabError } from '../../base/errors.ts';

/** Firmware of the profile a machine gets when the inventory names none the lab knows. */
function profileOf(lab: ResolvedLab, m: InventoryMachine) {
  const named = m.profile ? lab.profiles[m.profile] : undefined;
  return named ?? lab.profiles[m.bootMode === 'legacy' ? 'legacy-bios' : 'generic-uefi']!;
}

export function hardwareLab(lab: ResolvedLab, inv: Inventory): ResolvedLab {
  const siteNames = [...new Set(inv.machines.map((m) => m.site))];
  if (siteNames.length > 256) throw new FleetlabError('INVENTORY_INVALID', `inventory: at most 256 sites in one hardware run, got ${siteNames.length}`);
  const sites: ResolvedSite[] = siteNames.map((name, ordinal) => {
    const a = qemuSiteAddressing(ordinal);
    return { name, index: ordinal, subnet: a.subnet, prefix: a.prefix, relay: a.relay, poolStart: a.poolStart, poolEnd: a.poolEnd, link: undefined, labels: { site: name }, tier: 'hardware' };
  });
  const siteIndex = new Map(sites.map((s) => [s.name, s.index]));
  const nodes: ResolvedNode[] = inv.machines.map((m, index) => ({
    name: m.name,
    index,
    site: m.site,
    siteIndex: siteIndex.get(m.site)!,
    profile: { ...profileOf(lab, m), firmware: m.bootMode === 'legacy' ? 'bios' : 'uefi', labels: { ...m.labels } },
    macs: m.bootMacs.map((x) => x.toLowerCase()),
    uuid: '00000000-0000-0000-0000-000000000000',
    bmc: { id: m.bmc.redfish?.systemId ?? m.name, ipmi: null },
  }));
  return { ...lab, sites, nodes, bmc: { ...lab.bmc, ipmi: false, redfish: false } };
}
