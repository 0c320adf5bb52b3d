/**
 * Hardware profiles: what a node is (vendor/model, firmware, NICs, CPU/memory/disks for
 * inspection) and how long things take on it (POST, kernel boot, disk write, reboot).
 */
import type { Problems } from '../base/problem.ts';
import type { Salvaged } from '../base/schema.ts';
import type { HardwareProfile, ProfileSpec, ProfileTimings } from './profile-schema.ts';

export type { HardwareProfile, ProfileSpec, ProfileTimings } from './profile-schema.ts';

/** Built-in profiles; a lab spec may add its own or override these by name. */
export const BUILTIN_PROFILES: Record<string, HardwareProfile> = {
  'generic-uefi': {
    name: 'generic-uefi',
    vendor: 'Fleetlab',
    model: 'Edge-1U',
    firmware: 'uefi',
    nicRom: 'pxe',
    nics: 1,
    nicSpeedMbps: 10000,
    cpu: { model: 'Intel(R) Xeon(R) D-2146NT', sockets: 1, coresPerSocket: 8, threadsPerCore: 2, mhz: 2300 },
    memoryGiB: 64,
    disks: [{ name: 'nvme0n1', sizeGB: 960, kind: 'nvme' }],
    timings: {
      postMs: { triangular: [20000, 30000, 45000] },
      kernelBootMs: { triangular: [4000, 6000, 10000] },
      diskWriteMBps: { triangular: [300, 800, 1200] },
      rebootMs: { triangular: [3000, 5000, 8000] },
      diskBootMs: { triangular: [8000, 12000, 20000] },
      shutdownMs: { triangular: [2000, 4000, 8000] },
    },
    labels: {},
  },
  'legacy-bios': {
    name: 'legacy-bios',
    vendor: 'Fleetlab',
    model: 'Branch-Tower',
    firmware: 'bios',
    nicRom: 'pxe',
    nics: 2,
    nicSpeedMbps: 1000,
    cpu: { model: 'Intel(R) Core(TM) i5-8500T', sockets: 1, coresPerSocket: 6, threadsPerCore: 1, mhz: 2100 },
    memoryGiB: 16,
    disks: [{ name: 'sda', sizeGB: 256, kind: 'ssd' }],
    timings: {
      postMs: { triangular: [15000, 25000, 40000] },
      kernelBootMs: { triangular: [5000, 8000, 14000] },
      diskWriteMBps: { triangular: [150, 350, 500] },
      rebootMs: { triangular: [3000, 6000, 10000] },
      diskBootMs: { triangular: [10000, 15000, 25000] },
      shutdownMs: { triangular: [3000, 5000, 10000] },
    },
    labels: {},
  },
  /**
   * The qemu tier's VM (lab/nodes/qemu: `-machine pc`, SeaBIOS, virtio NIC with QEMU's iPXE ROM,
   * 256 MiB, TCG) and its sim twin: timings measured on the qemu tier of this 2-core machine
   * (2 VMs at a time), so a sim run with this profile is calibrated against real VMs.
   */
  'qemu-pc': {
    name: 'qemu-pc',
    vendor: 'QEMU',
    model: 'Standard PC (i440FX + PIIX, 1996)',
    firmware: 'bios',
    nicRom: 'ipxe',
    nics: 1,
    nicSpeedMbps: 1000,
    cpu: { model: 'QEMU Virtual CPU (TCG)', sockets: 1, coresPerSocket: 1, threadsPerCore: 1, mhz: 2000 },
    memoryGiB: 0.25,
    disks: [{ name: 'vda', sizeGB: 2, kind: 'ssd' }],
    timings: {
      postMs: { triangular: [2000, 2500, 3500] },
      kernelBootMs: { triangular: [6000, 7100, 9000] },
      diskWriteMBps: { triangular: [40, 60, 80] },
      rebootMs: { triangular: [300, 500, 800] },
      diskBootMs: { triangular: [7500, 8500, 10000] },
      shutdownMs: { triangular: [500, 1000, 2000] },
      // iPXE's boot.ipxe + chained script + kernel request: 55–120 ms in all (runs vary ~2×);
      // busybox wget's callback ~80 ms.
      firmwareRequestMs: { triangular: [15, 25, 40] },
      agentRequestMs: { triangular: [50, 75, 100] },
    },
    labels: {},
  },
};

/** The profile every node of a qemu-tier site has: the VM is that machine, whatever a spec says. */
export const QEMU_PROFILE = 'qemu-pc';

/**
 * A profile in a spec on top of its `base` (default generic-uefi). The spec's shape is already
 * checked (ProfileSpecSchema, problems reported); this adds what needs the other profiles: the
 * base must exist. `spec` may be partial (the parts that parsed) so a bad field does not hide
 * a bad base.
 */
export function resolveProfile(o: Salvaged<ProfileSpec>, path: string, problems: Problems, known: Record<string, HardwareProfile>): HardwareProfile | undefined {
  if (o.name === undefined) return undefined;
  const baseName = o.base ?? 'generic-uefi';
  const base = known[baseName];
  if (!base) {
    problems.add(`${path}.base`, `unknown profile '${baseName}' (known: ${Object.keys(known).join(', ')})`);
    return undefined;
  }
  const p: HardwareProfile = structuredClone({ ...base, name: o.name });
  for (const k of ['vendor', 'model', 'firmware', 'nicRom', 'nics', 'nicSpeedMbps', 'memoryGiB'] as const) if (o[k] !== undefined) (p as Record<typeof k, unknown>)[k] = o[k];
  if (o.cpu) Object.assign(p.cpu, o.cpu);
  if (o.disks) p.disks = o.disks as HardwareProfile['disks'];
  if (o.labels) p.labels = { ...p.labels, ...(o.labels as Record<string, string>) };
  if (o.bmc?.persona !== undefined) p.bmc = { persona: o.bmc.persona };
  for (const [k, d] of Object.entries(o.timings ?? {})) if (d) p.timings[k as keyof ProfileTimings] = d as ProfileTimings['postMs'];
  p.labels = { profile: p.name, firmware: p.firmware, vendor: p.vendor, ...p.labels };
  return p;
}
