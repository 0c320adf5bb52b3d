/**
 * One reference server for every shard of a run, plus the coordinator that tells shards where it
 * is (`fleetlab serve reference`). It serves DHCP for every site of the unsharded lab (each
 * shard's relays forward to it with their own giaddr) and is driven by the shards as an
 * `external` target through the shipped mapping file; each shard serves its images itself.
 *
 *   scenario + params + seed ─▶ whole lab ─▶ reference server (all subnets) ─▶ coordinator GET /target
 *   shard i: fleetlab run --shard i/N --coordinator URL ─▶ --target external (api, dhcp, tftp, mapping)
 */
import type { ResolvedLab } from '../../lab/config/lab-spec.ts';
import { startReferenceServer } from '../targets/reference/reference-server.ts';
import { startCoordinator } from './coordinator.ts';

export interface SharedReference {
  coordinator: string;
  api: string;
  dhcp: { host: string; port: number };
  tftp: { host: string; port: number };
  close(): Promise<void>;
}

export interface SharedReferenceOptions {
  lab: ResolvedLab;
  /** Where the server and coordinator listen (127.0.0.1 by default). */
  host: string;
  /** Coordinator port (0 = any). */
  port: number;
}

export async function startSharedReference(o: SharedReferenceOptions): Promise<SharedReference> {
  const server = await startReferenceServer({
    host: o.host,
    subnets: o.lab.sites.map((s) => ({ name: s.name, subnet: s.subnet, relay: s.relay, poolStart: s.poolStart, poolEnd: s.poolEnd })),
  });
  try {
    const options = {
      api: server.http.url,
      dhcp: `${server.dhcp.host}:${server.dhcp.port}`,
      tftp: `${server.tftp.host}:${server.tftp.port}`,
      mapping: 'reference',
    };
    const coord = await startCoordinator({ host: o.host, port: o.port, target: { target: 'external', options } });
    return {
      coordinator: coord.url,
      api: server.http.url,
      dhcp: server.dhcp,
      tftp: server.tftp,
      async close() {
        await coord.close();
        await server.close();
      },
    };
  } catch (e) {
    await server.close();
    throw e;
  }
}
