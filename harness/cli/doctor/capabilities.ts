/**
 * What each tier, target and tool of fleetlab needs from the host, as lists of host checks.
 * `fleetlab doctor` runs every check once and reports each capability as available or not, with
 * the checks that failed and how to fix them.
 */
import { QEMU_BIN, QEMU_HOST_TOOLS } from '../../../lab/nodes/qemu/accel.ts';
import { containerApiCheck, kvmCheck, netnsCheck, pythonModuleCheck, rootCheck, toolCheck, tunCheck, udpPortCheck, type HostCheck } from './host-checks.ts';

export interface Capability {
  name: string;
  /** What it is used for, as the user would ask for it. */
  summary: string;
  checks: string[];
}

/** Every check by id, each run at most once per doctor run. */
export const HOST_CHECKS: Record<string, HostCheck> = {
  root: rootCheck,
  'port-67': udpPortCheck('127.0.0.1', 67, 'a DHCP server (dnsmasq, Kea)'),
  'port-623': udpPortCheck('127.100.0.1', 623, 'an IPMI BMC'),
  netns: netnsCheck,
  tun: tunCheck,
  kvm: kvmCheck,
  // The qemu tier's own list (lab/nodes/qemu/accel.ts), so doctor and the run check the same tools.
  ...Object.fromEntries(QEMU_HOST_TOOLS.map(([bin, args, pkg]) => [bin === QEMU_BIN ? 'qemu' : bin, toolCheck(bin, args, pkg)])),
  'qemu-img': toolCheck('qemu-img', ['--version'], 'qemu-utils'),
  kea: toolCheck('kea-dhcp4', ['-v'], 'kea-dhcp4-server'),
  busybox: toolCheck('busybox', ['--help'], 'busybox-static'),
  cpio: toolCheck('cpio', ['--version'], 'cpio'),
  ipmitool: toolCheck('ipmitool', ['-V'], 'ipmitool'),
  ipmipower: toolCheck('ipmipower', ['--version'], 'freeipmi-tools'),
  redfishtool: toolCheck('redfishtool', ['-h'], 'redfishtool'),
  sushy: pythonModuleCheck('sushy', 'python3-sushy'),
  ironic: pythonModuleCheck('ironic', 'python3-ironic'),
  podman: toolCheck('podman', ['--version'], 'podman runc'),
  'container-api': containerApiCheck,
};

export const CAPABILITIES: Capability[] = [
  { name: 'sim', summary: 'sim tier against the reference target (the main job; no root)', checks: [] },
  { name: 'ipmi', summary: 'IPMI BMCs on 127.100.x.y:623 (--param bmc=ipmi, bmc serve --ipmi)', checks: ['root', 'port-623'] },
  { name: 'dnsmasq', summary: '--target dnsmasq (real dnsmasq on port 67)', checks: ['root', 'dnsmasq', 'port-67'] },
  { name: 'kea', summary: '--target kea (real Kea on port 67)', checks: ['root', 'kea', 'port-67'] },
  { name: 'ironic', summary: '--target ironic (standalone OpenStack Ironic)', checks: ['ironic'] },
  { name: 'qemu', summary: 'qemu tier (--param tier=qemu: VMs in network namespaces)', checks: ['root', 'netns', 'tun', 'qemu', 'qemu-img', 'dnsmasq', 'nft', 'socat', 'busybox', 'cpio', 'kvm'] },
  { name: 'containers', summary: 'servers started from container images (Docker API: podman or Docker)', checks: ['podman', 'container-api'] },
  { name: 'bmc-clients', summary: 'real BMC clients fleetlab drives or checks against (hardware tier, tests)', checks: ['ipmitool', 'ipmipower', 'redfishtool', 'sushy'] },
];
