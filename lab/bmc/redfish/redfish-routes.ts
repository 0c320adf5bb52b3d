/** The whole Redfish tree: each resource module registers its routes here, once per process. */
import type { Router } from './redfish-router.ts';
import { registerServiceRoot } from './resources/service-root.ts';
import { registerSystems } from './resources/systems.ts';
import { registerVirtualMedia } from './resources/virtual-media.ts';
import { registerManagers } from './resources/managers.ts';
import { registerChassis } from './resources/chassis.ts';

export function registerRoutes(r: Router): void {
  registerServiceRoot(r);
  registerSystems(r);
  registerVirtualMedia(r);
  registerManagers(r);
  registerChassis(r);
}
