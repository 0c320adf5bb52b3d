/**
 * Target `kea`: ISC Kea (kea-dhcp4) as the site DHCP server, fleetlab's TFTP via next-server, in
 * front of fleetlab's reference HTTP side. The adapter is the shared DHCP-daemon target
 * (../dhcp-daemon/); the Kea-specific parts are ./kea-config.ts and ./kea-process.ts.
 */
import type { TargetContext } from '../target.ts';
import { dhcpDaemonTarget, type DhcpDaemonTarget } from '../dhcp-daemon/dhcp-daemon-target.ts';

export const keaTarget = (ctx: TargetContext): DhcpDaemonTarget => dhcpDaemonTarget(ctx, 'kea');
