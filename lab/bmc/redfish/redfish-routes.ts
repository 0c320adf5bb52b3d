/** The whole Redfish tree: each resource module registers its routes here, once per process. */
import type { Router } from './redfish-router.ts';
import { registerServiceRoot } from './resources/service-root.ts';
import { registerSystems } from './resources/systems.ts';
import { registerVirtualMedia } from './resources/virtual-media.ts';
import { registerManagers } from './resources/managers.ts';
import { registerChassis } from './resources/chassis.ts';
import { registerInventory } from './resources/inventory.ts';
import { registerBios } from './resources/bios.ts';
import { registerUpdateService } from './resources/update-service.ts';

export function registerRoutes(r: Router): void {
  registerServiceRoot(r);
  registerSystems(r);
  registerVirtualMedia(r);
  registerManagers(r);
  registerChassis(r);
  registerInventory(r);
  registerBios(r);
  registerUpdateService(r);
}
