/**
 * dnsmasq.conf for a fleetlab-started dnsmasq (Debian dnsmasq-base) serving relayed PXE subnets:
 * DHCP only (port=0: no DNS), bound to loopback, one dhcp-range per site relay (netmask required
 * for relayed subnets), PXEClient / iPXE / HTTPClient tags, integrated TFTP from the run dir.
 *
 *   relay giaddr 127.A.B.1 ─▶ dhcp-range 127.A.B.10–250 (tag = site)
 *   option 93 = 0 ─▶ bios  ─▶ undionly.kpxe   (TFTP)
 *   option 93 = 7/9/6 ─▶ efi ─▶ ipxe.efi     (TFTP)
 *   user class iPXE ─▶ http://…/boot.ipxe ;  vendor class HTTPClient ─▶ http://…/ipxe.efi + option 60
 *   qemu-tier site (tag qemu) + iPXE ─▶ http://CORE_ADDR:<port>/boot.ipxe (what its VMs can reach)
 */
import type { PxeBootPlan } from '../dhcp-daemon/pxe-subnet.ts';
import { parseCidr } from '../dhcp-daemon/pxe-subnet.ts';
import { NAME_PREFIX } from '../../../lab/net/netns/naming.ts';

export interface DnsmasqConfigOptions extends PxeBootPlan {
  /** Address dnsmasq binds (loopback only). */
  listenAddress: string;
  leaseFile: string;
  pidFile: string;
  /** Integrated TFTP root; absent = no TFTP (another server serves the boot files). */
  tftpRoot?: string;
  /** Log every DHCP exchange (stderr), useful when a test fails. */
  logDhcp?: boolean;
  /** Extra raw lines, appended last. */
  extra?: string[];
}

export function dnsmasqConf(o: DnsmasqConfigOptions): string {
  const lease = `${o.leaseSeconds ?? 3600}s`;
  const lines: string[] = [
    '# written by fleetlab (harness/targets/dnsmasq/dnsmasq-config.ts)',
    'port=0', // no DNS
    'interface=lo',
    // Relayed requests from qemu-tier sites arrive (DNAT'd to loopback) on the site's host-side
    // WAN interface, and dnsmasq drops DHCP from interfaces it does not serve. Those interfaces
    // appear after dnsmasq starts, so they are a wildcard with bind-dynamic.
    ...(o.qemu ? [`interface=${NAME_PREFIX}*`] : []),
    `listen-address=${o.listenAddress}`,
    o.qemu ? 'bind-dynamic' : 'bind-interfaces',
    `dhcp-leasefile=${o.leaseFile}`,
    `pid-file=${o.pidFile}`,
    'dhcp-authoritative',
    'dhcp-no-override',
    // Every 127.x answers ping on Linux loopback: without this dnsmasq finds no free address.
    'no-ping',
    // A lab of thousands of nodes: no lease cap below the pool sizes.
    `dhcp-lease-max=${Math.max(1000, o.subnets.length * 250)}`,
    'log-facility=-',
    ...(o.logDhcp ? ['log-dhcp'] : []),
    '',
    '# client classes',
    'dhcp-match=set:efi64,option:client-arch,7',
    'dhcp-match=set:efi64,option:client-arch,9',
    'dhcp-match=set:efi32,option:client-arch,6',
    'dhcp-match=set:httpboot,option:client-arch,16',
    'dhcp-vendorclass=set:httpclient,HTTPClient',
    'dhcp-userclass=set:ipxe,iPXE',
    '',
    '# boot files: iPXE gets the script; HTTP boot gets a URL; PXE ROMs get iPXE over TFTP',
    // dnsmasq takes the first dhcp-boot whose tags all match: keep the two iPXE lines disjoint.
    `dhcp-boot=tag:ipxe,tag:!qemu,${o.ipxeScriptUrl}`,
    ...(o.qemu ? [`dhcp-boot=tag:ipxe,tag:qemu,${o.qemu.ipxeScriptUrl}`] : []),
    `dhcp-boot=tag:!ipxe,tag:httpclient,${o.httpBootUrl}`,
    'dhcp-option-force=tag:httpclient,option:vendor-class,HTTPClient',
    `dhcp-boot=tag:!ipxe,tag:!httpclient,tag:efi64,${o.uefiBootFile},,${o.tftpServer}`,
    `dhcp-boot=tag:!ipxe,tag:!httpclient,tag:efi32,${o.uefiBootFile},,${o.tftpServer}`,
    `dhcp-boot=tag:!ipxe,tag:!httpclient,tag:!efi64,tag:!efi32,${o.biosBootFile},,${o.tftpServer}`,
    // PXE ROMs want option 43 sub-option 6 = 8 (skip discovery, use the boot file).
    'dhcp-option-force=tag:!ipxe,vendor:PXEClient,6,8',
  ];
  if (o.tftpRoot) lines.push('', 'enable-tftp', `tftp-root=${o.tftpRoot}`, 'tftp-no-fail');
  lines.push('', '# one range per site relay (giaddr); netmask required for relayed subnets');
  for (const s of o.subnets) {
    const { netmask } = parseCidr(s.subnet);
    const tag = `site_${s.name.replace(/[^A-Za-z0-9_]/g, '_')}`;
    lines.push(`dhcp-range=set:${tag},${s.poolStart},${s.poolEnd},${netmask},${lease}`);
    lines.push(`dhcp-option=tag:${tag},option:router,${s.relay}`);
    if (o.qemu?.sites.includes(s.name)) lines.push(`tag-if=set:qemu,tag:${tag}`);
  }
  lines.push(...(o.extra ?? []));
  return lines.join('\n') + '\n';
}
