/**
 * Built-in targets by name (`--target NAME`). Adding one = one file + one line here; a target
 * outside fleetlab is a plugin module instead (`--target ./my-target.ts`, plugin/load-target.ts).
 * Each is loaded on demand: a run imports only its own target (dockerode, Ironic's client, … stay
 * unloaded), which keeps `fleetlab run` start-up short.
 */
import type { TargetDefinition } from './plugin/define-target.ts';
import { legacyTarget } from './plugin/legacy-target.ts';

const DHCP_DAEMON_OPTIONS = {
  dhcpPort: 'DHCP port (default 67; another port = relays listen on it too)',
  bootFileBytes: 'size of the generated iPXE boot files (default 70000)',
  kernelBytes: 'size of the generated kernel (default 131072)',
  initrdBytes: 'size of the generated initrd (default 262144)',
  bmc: 'accepted and ignored (the HTTP side drives Redfish)',
};

export const builtinTargets: Record<string, () => Promise<TargetDefinition>> = {
  reference: async () => (await import('./reference/reference-target.ts')).reference,
  ironic: async () => legacyTarget('ironic', 'OpenStack Ironic standalone (Debian python3-ironic), started by fleetlab or an existing one (url=)', (await import('./ironic/ironic-target.ts')).ironicTarget, {
    url: 'an existing Ironic API (fleetlab starts none)',
    bootUrl: "an existing Ironic's boot.ipxe URL",
    driver: 'redfish | ipmi (default redfish)',
    bmc: 'same as driver (the scenarios pass it)',
    heartbeatTimeout: 'agent heartbeat timeout, s (default 6)',
    deployTimeout: 'deploy callback timeout, s (default 300)',
    pollMs: 'provision_state poll interval (default 500)',
    oobPowerOff: 'true = Ironic powers nodes off out of band',
    debug: 'true = Ironic debug logging',
    kernelBytes: 'deploy kernel size',
    ramdiskBytes: 'deploy ramdisk size',
  }),
  dnsmasq: async () => legacyTarget('dnsmasq', "Debian's dnsmasq as DHCP + TFTP in front of the reference HTTP side (root for port 67)", (await import('./dnsmasq/dnsmasq-target.ts')).dnsmasqTarget, {
    ...DHCP_DAEMON_OPTIONS,
    logDhcp: 'true = dnsmasq --log-dhcp',
  }),
  kea: async () => legacyTarget('kea', "Debian's Kea DHCPv4 in front of the reference HTTP side (root for port 67)", (await import('./kea/kea-target.ts')).keaTarget, DHCP_DAEMON_OPTIONS),
  external: async () => (await import('./external/external-target.ts')).external,
  container: async () => (await import('./container/container-target.ts')).container,
};
