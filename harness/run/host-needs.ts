/**
 * What a run needs from the host that only root (or a capability) grants, checked before
 * anything starts: a qemu-tier run as non-root used to fail 12 s in, deep in netns set-up.
 *
 *   qemu-tier sites          network namespaces, TAPs, nft   CAP_SYS_ADMIN + CAP_NET_ADMIN
 *   IPMI BMCs (port 623)     a privileged UDP port each      CAP_NET_BIND_SERVICE or a low
 *   dnsmasq / kea (port 67)  the DHCP server port            net.ipv4.ip_unprivileged_port_start
 *
 * Every unmet need is named at once (exit 2, FLEETLAB_ERR_NEEDS_ROOT) with what avoids it.
 */
import { readFileSync } from 'node:fs';
import { isNetnsSite, type ResolvedLab } from '../../lab/config/lab-spec.ts';
import { FleetlabError } from '../../lab/base/errors.ts';

export const CAP_NET_BIND_SERVICE = 10;
export const CAP_NET_ADMIN = 12;
export const CAP_SYS_ADMIN = 21;
/** Targets that run a real DHCP server on `--target-opt dhcpPort` (default 67). */
const DHCP_DAEMON_TARGETS = new Set(['dnsmasq', 'kea']);

export interface HostCaps {
  has(cap: number): boolean;
  /** Lowest port an unprivileged process may bind. */
  unprivilegedPortStart: number;
}

/** This process's effective capabilities (/proc/self/status CapEff) and the port sysctl. */
export function hostCaps(): HostCaps {
  let eff = 0n;
  let start = 1024;
  try {
    eff = BigInt('0x' + (/^CapEff:\s*([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0'));
    start = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim());
  } catch {
    // not Linux: nothing is granted
  }
  return { has: (cap) => ((eff >> BigInt(cap)) & 1n) === 1n, unprivilegedPortStart: start };
}

export interface RunNeeds {
  lab: ResolvedLab;
  target: string;
  targetOptions: Record<string, string>;
  ipmi: boolean;
}

/** The unmet root-only needs of a run, one sentence each (empty: nothing missing). */
export function unmetRootNeeds(r: RunNeeds, caps: HostCaps = hostCaps()): string[] {
  const out: string[] = [];
  const lowPort = (p: number) => p < caps.unprivilegedPortStart && !caps.has(CAP_NET_BIND_SERVICE);
  const qemuSites = r.lab.sites.filter((s) => isNetnsSite(s)).map((s) => s.name);
  if (qemuSites.length && !(caps.has(CAP_SYS_ADMIN) && caps.has(CAP_NET_ADMIN))) {
    const tiers = [...new Set(r.lab.sites.filter((s) => isNetnsSite(s)).map((s) => s.tier))].join('/');
    out.push(`${tiers}-tier sites (${list(qemuSites)}) create network namespaces, TAPs and nft tables (CAP_SYS_ADMIN + CAP_NET_ADMIN); run as root or use the sim tier`);
  }
  const ipmiPorts = new Set(r.ipmi ? r.lab.nodes.flatMap((n) => (n.bmc.ipmi ? [n.bmc.ipmi.port] : [])) : []);
  const lowIpmi = [...ipmiPorts].filter(lowPort);
  if (lowIpmi.length) out.push(`IPMI BMCs listen on port ${lowIpmi.join(', ')} (--param bmc=ipmi or lab bmc.ipmi); run as root, or leave IPMI off`);
  if (DHCP_DAEMON_TARGETS.has(r.target)) {
    const port = Number(r.targetOptions.dhcpPort ?? 67);
    if (Number.isInteger(port) && lowPort(port)) out.push(`target ${r.target} serves DHCP on port ${port}; run as root or pass --target-opt dhcpPort=${caps.unprivilegedPortStart > 6767 ? caps.unprivilegedPortStart : 6767}`);
  }
  return out;
}

/** Throw FLEETLAB_ERR_NEEDS_ROOT (exit 2) naming every unmet need. */
export function requireRootNeeds(r: RunNeeds, caps?: HostCaps): void {
  const unmet = unmetRootNeeds(r, caps);
  if (unmet.length) throw new FleetlabError('NEEDS_ROOT', `this run needs privileges it does not have (uid ${process.getuid?.() ?? '?'}):\n  - ${unmet.join('\n  - ')}`, { unmet });
}

function list(names: string[]): string {
  return names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
}
