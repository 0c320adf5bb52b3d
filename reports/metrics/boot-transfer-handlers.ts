/**
 * Network-boot protocol events (dhcp.discover/offer/ack, tftp.done, http.done): DHCP, TFTP and
 * HTTP latencies, DHCP retransmits, and the transfers behind the throughput rates.
 */
import type { FamilyHandlers, MetricsAccumulator } from './metrics-accumulator.ts';
import { remember, setSite } from './node-state.ts';

type BootTransferKinds = 'dhcp.discover' | 'dhcp.offer' | 'dhcp.ack' | 'tftp.done' | 'http.done';

export function bootTransferHandlers(acc: MetricsAccumulator): FamilyHandlers<BootTransferKinds> {
  return {
    'dhcp.discover': (e) => {
      remember(acc, e.node, e);
      setSite(acc, e.node, e.site);
      if (e.attempt > 1) acc.dhcpRetransmits++;
    },
    'dhcp.offer': (e) => {
      remember(acc, e.node, e);
      setSite(acc, e.node, e.site);
    },
    'dhcp.ack': (e) => {
      remember(acc, e.node, e);
      setSite(acc, e.node, e.site);
      acc.latency.dhcp.ms.push(e.ms);
      acc.points.dhcpAcks.push(e.t);
    },
    'tftp.done': (e) => {
      remember(acc, e.node, e);
      acc.latency.tftp.ms.push(e.ms);
      acc.points.transfers.push({ kind: 'tftp', from: e.t - e.ms, to: e.t, bytes: e.bytes });
    },
    'http.done': (e) => {
      remember(acc, e.node, e);
      if (e.status >= 400) acc.latency.http.errors++;
      else acc.latency.http.ms.push(e.ms);
      acc.points.transfers.push({ kind: 'http', from: e.t - e.ms, to: e.t, bytes: e.bytes });
    },
  };
}
