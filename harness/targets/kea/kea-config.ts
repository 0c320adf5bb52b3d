/**
 * kea-dhcp4.conf (JSON) for a fleetlab-started Kea (Debian kea-dhcp4-server) serving relayed
 * PXE subnets on loopback; TFTP comes from fleetlab's own TFTP server (next-server).
 *
 *   subnet4[i] ← relay.ip-addresses [site relay]   (giaddr selects the subnet)
 *   client classes, first match wins for boot-file-name:
 *     ipxe       option[77] == 'iPXE'                      → http://…/boot.ipxe
 *     httpclient option[60] starts 'HTTPClient'            → http://…/ipxe.efi + option 60 echo
 *     efi        option[93] in {6,7,9}                     → ipxe.efi      (TFTP, next-server)
 *     bios       otherwise (PXEClient)                     → undionly.kpxe (TFTP, next-server)
 *   PXEClient classes also get option 43 sub-option 6 = 8 (skip PXE discovery).
 */
import type { PxeBootPlan } from '../dhcp-daemon/pxe-subnet.ts';

export interface KeaConfigOptions extends PxeBootPlan {
  /** Interface/address Kea binds: `lo/127.0.0.1`. */
  interface: string;
  leaseFile: string;
  /** Kea's own log output (a file path or 'stderr'). */
  logOutput?: string;
  logSeverity?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

export function keaConfig(o: KeaConfigOptions): Record<string, unknown> {
  const pxeOptions = [
    { name: 'vendor-encapsulated-options' },
    { name: 'pxe-discovery-control', space: 'vendor-encapsulated-options-space', data: '8' },
  ];
  const notChained = "not member('ipxe') and not member('httpclient')";
  const efiArch = "(option[93].hex == 0x0006 or option[93].hex == 0x0007 or option[93].hex == 0x0009)";
  return {
    Dhcp4: {
      'interfaces-config': { interfaces: [o.interface], 'dhcp-socket-type': 'udp' },
      'lease-database': { type: 'memfile', persist: true, name: o.leaseFile, 'lfc-interval': 0 },
      'valid-lifetime': o.leaseSeconds ?? 3600,
      authoritative: true,
      'option-def': [{ name: 'pxe-discovery-control', code: 6, space: 'vendor-encapsulated-options-space', type: 'uint8' }],
      'client-classes': [
        { name: 'ipxe', test: "option[77].hex == 'iPXE'", 'boot-file-name': o.ipxeScriptUrl },
        {
          name: 'httpclient',
          test: "not member('ipxe') and substring(option[60].hex,0,10) == 'HTTPClient'",
          'boot-file-name': o.httpBootUrl,
          'option-data': [{ name: 'vendor-class-identifier', data: 'HTTPClient' }],
        },
        { name: 'efi', test: `${notChained} and ${efiArch}`, 'boot-file-name': o.uefiBootFile, 'next-server': o.tftpServer, 'option-data': pxeOptions },
        {
          name: 'bios',
          test: `${notChained} and not ${efiArch} and substring(option[60].hex,0,9) == 'PXEClient'`,
          'boot-file-name': o.biosBootFile,
          'next-server': o.tftpServer,
          'option-data': pxeOptions,
        },
      ],
      subnet4: o.subnets.map((s, i) => ({
        id: i + 1,
        subnet: s.subnet,
        pools: [{ pool: `${s.poolStart} - ${s.poolEnd}` }],
        relay: { 'ip-addresses': [s.relay] },
        'next-server': o.tftpServer,
        'option-data': [{ name: 'routers', data: s.relay }],
        'user-context': { site: s.name },
      })),
      loggers: [
        {
          name: 'kea-dhcp4',
          'output_options': [{ output: o.logOutput ?? 'stderr' }],
          severity: o.logSeverity ?? 'INFO',
        },
      ],
    },
  };
}
