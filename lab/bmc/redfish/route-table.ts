/**
 * The Redfish route table: every resource module registers its routes into one trie, built once
 * per process on first use and shared by every server and listener.
 */
import { RouteTrie } from './route-trie.ts';
import { registerServiceRoot } from './resources/service-root.ts';
import { registerSessions } from './resources/sessions.ts';
import { registerAccounts } from './resources/accounts.ts';
import { registerSystems } from './resources/systems.ts';
import { registerVirtualMedia } from './resources/virtual-media.ts';
import { registerManagers } from './resources/managers.ts';
import { registerChassis } from './resources/chassis.ts';
import { registerInventory } from './resources/inventory.ts';
import { registerBios } from './resources/bios.ts';
import { registerUpdateService } from './resources/update-service.ts';

let table: RouteTrie | undefined;

/** The whole Redfish tree. */
export function routeTable(): RouteTrie {
  if (table) return table;
  const r = new RouteTrie();
  registerServiceRoot(r);
  registerSessions(r);
  registerAccounts(r);
  registerSystems(r);
  registerVirtualMedia(r);
  registerManagers(r);
  registerChassis(r);
  registerInventory(r);
  registerBios(r);
  registerUpdateService(r);
  return (table = r);
}
