/**
 * Mutable fault state the lab consults on its hot paths. Fault plugins (lab/faults/…) set and
 * clear these; sim nodes, links and BMC emulators read them. Plain objects so a check costs one
 * property read when no fault is active.
 */
import type { NodePhase } from '../base/event.ts';

/** Per node: in-band faults during provisioning. */
export interface NodeFaults {
  /** Cut power when the node enters this phase (it restarts its boot chain when powered again). */
  powerLossAtPhase?: NodePhase;
  /** The next image write fails with an I/O error. */
  diskWriteFailure: boolean;
  /** Flip bytes in downloaded images so the checksum fails. */
  corruptImage: boolean;
  /** Cut HTTP downloads after this many bytes. */
  httpCutAfterBytes?: number;
  /** Reset HTTP connections at request time. */
  httpReset: boolean;
  /** Drop this share (0..1) of the node's DHCP / TFTP packets. */
  dhcpDropRate: number;
  tftpDropRate: number;
}

export function noNodeFaults(): NodeFaults {
  return { diskWriteFailure: false, corruptImage: false, httpReset: false, dhcpDropRate: 0, tftpDropRate: 0 };
}

/** Per BMC: management-plane faults, honoured by both Redfish and IPMI emulators. */
export interface BmcFaults {
  /** Accept but never answer. */
  hang: boolean;
  /** Added latency per request, ms. */
  slowMs: number;
  /** Share (0..1) of requests answered with an error (HTTP 500/503, IPMI completion 0xC0/0xFF). */
  errorRate: number;
  errorStatus: number;
  /** Valid credentials are refused (HTTP 401 / RAKP failure). */
  authFailure: boolean;
}

export function noBmcFaults(): BmcFaults {
  return { hang: false, slowMs: 0, errorRate: 0, errorStatus: 500, authFailure: false };
}
