/**
 * BMC events (bmc.request): Redfish/IPMI latency and errors, fleet-wide and per protocol; a
 * request is kept among its node's last events once node.info has tied the BMC to the node.
 */
import type { FamilyHandlers, MetricsAccumulator } from './metrics-accumulator.ts';
import { remember } from './node-state.ts';

/** An HTTP status < 400, IPMI completion 0, or the string 'ok' (any case). */
export function bmcStatusOk(status: number | string): boolean {
  if (typeof status === 'string') return status.toLowerCase() === 'ok';
  return status === 0 || (status >= 200 && status < 400);
}

export function bmcHandlers(acc: MetricsAccumulator): FamilyHandlers<'bmc.request'> {
  return {
    'bmc.request': (e) => {
      const owner = acc.bmcToNode.get(e.bmc);
      if (owner !== undefined) remember(acc, owner, e);
      let p = acc.bmcByProto.get(e.proto);
      if (!p) acc.bmcByProto.set(e.proto, (p = { ms: [], errors: 0 }));
      if (bmcStatusOk(e.status)) {
        acc.latency.bmc.ms.push(e.ms);
        p.ms.push(e.ms);
      } else {
        acc.latency.bmc.errors++;
        p.errors++;
      }
    },
  };
}
