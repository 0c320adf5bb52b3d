/**
 * Names and addresses of everything the qemu tier creates on the host. All names start with
 * `fl-` (nft tables `fl_`, nft identifiers allow no '-') plus a short run tag, so a crashed run's
 * leftovers are found by prefix (`fleetlab lab gc`) and two concurrent runs never collide.
 *
 *   host ns                           site ns  fl-<tag>-s<i>
 *   ┌──────────────────────┐  veth    ┌──────────────────────────────────────────┐
 *   │ fl-<tag>-<i>h ───────┼──────────┼─ wan0 10.214.i.2/32   (tbf up, nft loss) │
 *   │ (CORE/32 only; routes│          │  br0  10.213.i.1/24 + fd66:6c61:62:i::1  │
 *   │  10.213.i.0/24 via   │          │   ├─ tap0 ─ qemu VM                      │
 *   │  10.214.i.2; nft     │          │   └─ tap1 ─ qemu VM                      │
 *   │  fl_<tag>_<i>: DNAT  │          │  dnsmasq: DHCP relay → CORE, RA on br0   │
 *   │  CORE → 127.0.0.1)   │          └──────────────────────────────────────────┘
 *   └──────────────────────┘
 *
 * Interface names are at most 15 bytes (IFNAMSIZ-1): host veth `fl-<tag5>-<i>h` ≤ 14 for
 * i < 10000. Names inside a site namespace are private to it (wan0, br0, tap<k>).
 * Addresses 10.213/16 and 10.214/16 exist only inside site namespaces (and as routes on our own
 * WAN interfaces in the host ns); CORE 10.215.0.1/32 sits on those interfaces too (a DHCP
 * server's identifier, see qemu-site.ts). Nothing is put on a real interface.
 */
import { createHash } from 'node:crypto';

export const NAME_PREFIX = 'fl-';
export const NFT_PREFIX = 'fl_';
/** The address site namespaces use for "the core" (the target); DNAT'd to host loopback. */
export const CORE_ADDR = '10.215.0.1';
export const MAX_QEMU_SITES = 256;

/** 5 chars [0-9a-z] from a run id (stable: the same run id gives the same tag). */
export function runTag(runId: string): string {
  const h = createHash('sha256').update(runId).digest();
  let n = h.readUInt32BE(0);
  let s = '';
  for (let i = 0; i < 5; i++) {
    s += '0123456789abcdefghijklmnopqrstuvwxyz'[n % 36];
    n = Math.floor(n / 36);
  }
  return s;
}

export interface SiteNames {
  tag: string;
  ns: string;
  hostVeth: string;
  siteVeth: string; // inside the ns
  bridge: string; // inside the ns
  nftHost: string; // table in the host ns (family ip)
  nftSite: string; // table in the site ns (family inet)
  lanPrefix: string; // '10.213.i.'
  lanCidr: string;
  gateway: string; // relay address = giaddr
  wanAddr: string;
  lan6: string; // IPv6 /64 for the RA only (never routed out)
  hostMac: string;
  siteMac: string;
  /** Host conntrack zone (1..65535) isolating this run's NAT state from earlier runs. */
  ctZone: number;
}

export function siteNames(tag: string, index: number): SiteNames {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_QEMU_SITES) throw new RangeError(`qemu site index ${index} out of range 0..${MAX_QEMU_SITES - 1}`);
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  // Locally administered MACs (02:…) derived from tag+index so neighbours can be static.
  const t = createHash('sha256').update(tag).digest();
  const mac = (side: number) => `02:${hex(t[0]!)}:${hex(t[1]!)}:${hex(side)}:${hex(index >> 8)}:${hex(index & 255)}`;
  return {
    tag,
    ns: `${NAME_PREFIX}${tag}-s${index}`,
    hostVeth: `${NAME_PREFIX}${tag}-${index}h`,
    siteVeth: 'wan0',
    bridge: 'br0',
    nftHost: `${NFT_PREFIX}${tag}_${index}`,
    nftSite: `${NFT_PREFIX}link`,
    lanPrefix: `10.213.${index}.`,
    lanCidr: `10.213.${index}.0/24`,
    gateway: `10.213.${index}.1`,
    wanAddr: `10.214.${index}.2`,
    lan6: `fd66:6c61:62:${index.toString(16)}::1/64`,
    hostMac: mac(1),
    siteMac: mac(2),
    ctZone: 1 + ((t.readUInt16BE(2) * 257 + index) % 65535),
  };
}

/** TAP name inside a site ns for node slot k. */
export const tapName = (k: number) => `tap${k}`;

/** The site LAN a qemu site with this ordinal uses (the lab spec hands it to the target). */
export function qemuSiteAddressing(ordinal: number): { prefix: string; subnet: string; relay: string; poolStart: string; poolEnd: string } {
  if (!Number.isInteger(ordinal) || ordinal < 0 || ordinal >= MAX_QEMU_SITES) throw new RangeError(`qemu site ordinal ${ordinal} out of range 0..${MAX_QEMU_SITES - 1}`);
  const prefix = `10.213.${ordinal}.`;
  return { prefix, subnet: `${prefix}0/24`, relay: `${prefix}1`, poolStart: `${prefix}100`, poolEnd: `${prefix}250` };
}
