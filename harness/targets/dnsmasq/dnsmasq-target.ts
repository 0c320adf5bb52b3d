/**
 * Target `dnsmasq`: Debian's dnsmasq as the site DHCP (and TFTP) server in front of fleetlab's
 * reference HTTP side. The adapter is the shared DHCP-daemon target (../dhcp-daemon/), which
 * differs between dnsmasq and Kea only in the process it launches (./dnsmasq-process.ts).
 */
import type { TargetContext } from '../target.ts';
import { dhcpDaemonTarget, type DhcpDaemonTarget } from '../dhcp-daemon/dhcp-daemon-target.ts';

export const dnsmasqTarget = (ctx: TargetContext): DhcpDaemonTarget => dhcpDaemonTarget(ctx, 'dnsmasq');
