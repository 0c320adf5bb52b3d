/**
 * `--param tier=hardware --inventory FILE`: load and check the inventory before anything starts
 * (every problem with its path, exit 2; every machine must allow power control), and say how it
 * turns the scenario's lab into the inventory's sites and machines (lab/nodes/hardware).
 */
import { FleetlabError } from '../../lab/base/errors.ts';
import type { ResolvedLab } from '../../lab/config/lab-spec.ts';
import type { Inventory } from '../../lab/config/inventory/inventory-schema.ts';
import { loadInventory, requirePowerControl } from '../../lab/config/inventory/load-inventory.ts';
import { hardwareLab } from '../../lab/nodes/hardware/hardware-lab-spec.ts';
import type { Params } from '../scenario.ts';

export interface HardwareRun {
  inventory: Inventory;
  lab(scenarioLab: ResolvedLab): ResolvedLab;
}

/** null for a run that is not a hardware run; throws (exit 2) for a half-given one. */
export async function hardwareInventory(file: string | undefined, params: Params): Promise<HardwareRun | null> {
  const tier = params.tier;
  if (file === undefined && tier !== 'hardware') return null;
  if (file === undefined) throw new FleetlabError('HARDWARE_INVENTORY_REQUIRED', '--param tier=hardware needs --inventory FILE (the machines, their BMCs and lab interfaces)');
  if (tier !== 'hardware') throw new FleetlabError('HARDWARE_INVENTORY_REQUIRED', `--inventory ${file} is for --param tier=hardware (this run's tier is ${JSON.stringify(tier ?? 'the scenario default')})`);
  const { inventory } = await loadInventory(file);
  requirePowerControl(inventory.machines);
  return { inventory, lab: (l) => hardwareLab(l, inventory) };
}
