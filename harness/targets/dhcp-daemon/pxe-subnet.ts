/**
 * What a real DHCP server under test (dnsmasq, Kea) needs to know about the lab and the boot
 * chain, independent of its config syntax:
 *
 *   site relay (giaddr) ─▶ subnet/pool ─▶ PXEClient  → TFTP boot file (BIOS undionly.kpxe, UEFI ipxe.efi)
 *                                      ─▶ iPXE       → http://…/boot.ipxe (breaks the chain-load loop)
 *                                      ─▶ HTTPClient → http://…/ipxe.efi, option 60 echoed
 */
export interface PxeSubnet {
  /** Site name (config comments, tags). */
  name: string;
  /** 127.A.B.0/24 */
  subnet: string;
  /** giaddr of the site's relay; also the router option. */
  relay: string;
  poolStart: string;
  poolEnd: string;
}

export interface PxeBootPlan {
  subnets: PxeSubnet[];
  /** TFTP server address for siaddr/next-server (PXE ROMs fetch from it on port 69). */
  tftpServer: string;
  /** Boot files on that TFTP server. */
  biosBootFile: string;
  uefiBootFile: string;
  /** What iPXE (user class iPXE) is told to chain to. */
  ipxeScriptUrl: string;
  /** What UEFI HTTP boot clients get (a full URL). */
  httpBootUrl: string;
  /** Lease time, s. */
  leaseSeconds?: number;
  /**
   * qemu-tier sites (by name): their VMs reach the HTTP side through the site WAN as CORE_ADDR,
   * so iPXE there is told this script URL instead of the loopback one.
   */
  qemu?: { sites: string[]; ipxeScriptUrl: string };
}

/** 127.24.3.0/24 → {network: '127.24.3.0', prefix: 24, netmask: '255.255.255.0'} */
export function parseCidr(cidr: string): { network: string; prefix: number; netmask: string } {
  const [network = '', p = '32'] = cidr.split('/');
  const prefix = Number(p);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const netmask = [24, 16, 8, 0].map((s) => (mask >>> s) & 255).join('.');
  return { network, prefix, netmask };
}
