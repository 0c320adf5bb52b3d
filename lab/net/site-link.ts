/**
 * The seam between sim nodes and the network model. Every packet and stream a sim node sends
 * or receives crosses its site's link; lab/net implements the model (token buckets shared per
 * site, latency/jitter, loss, partition). `passthroughLink` is the ideal LAN.
 *
 *   sim node ──udp()/rtt()/take()──▶ SiteLink ──(delay, drop, pace)──▶ real socket I/O
 *
 * Direction: 'up' = site → core (towards the target), 'down' = core → site.
 */
export type LinkDirection = 'up' | 'down';

export interface SiteLink {
  readonly site: string;
  /** A datagram of `bytes` crosses the link: `deliver` runs after the link's delay, or never if dropped. */
  udp(dir: LinkDirection, bytes: number, deliver: () => void, proto?: 'dhcp' | 'tftp' | 'ipmi' | 'other'): void;
  /** Added latency of one request/response round trip (and any partition stall) before a TCP exchange proceeds. */
  rtt(): Promise<void>;
  /**
   * Pace a stream: resolves when `bytes` may pass in `dir` (site-shared token bucket). Returns
   * `undefined` when no wait is needed so hot paths avoid a promise per chunk on an ideal link.
   */
  take(dir: LinkDirection, bytes: number): Promise<void> | undefined;
  /** Rejects/aborts stream transfers while the link is partitioned (after `stallMs` of stall), if the model says so. */
  readonly partitioned: boolean;
}

export function passthroughLink(site: string): SiteLink {
  return {
    site,
    udp(_dir, _bytes, deliver) {
      deliver();
    },
    rtt: () => Promise.resolve(),
    take: () => undefined,
    partitioned: false,
  };
}
