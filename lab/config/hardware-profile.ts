/**
 * Hardware profiles: what a node is (vendor/model, firmware, NICs, CPU/memory/disks for
 * inspection) and how long things take on it (POST, kernel boot, disk write, reboot).
 */
import type { Distribution } from './distribution.ts';
import { parseDistribution } from './distribution.ts';
import type { Problems } from '../base/problem.ts';

export interface ProfileTimings {
  /** Power applied → PXE ROM starts (POST), ms. */
  postMs: Distribution;
  /** Kernel + initrd loaded → agent/installer running, ms. */
  kernelBootMs: Distribution;
  /** Sustained disk write, MB/s (1 MB = 1e6 bytes). */
  diskWriteMBps: Distribution;
  /** Reboot request → firmware starts again, ms (adds to POST). */
  rebootMs: Distribution;
  /** Boot from disk → OS ready, ms. */
  diskBootMs: Distribution;
  /** Graceful shutdown (soft-off) duration, ms. */
  shutdownMs: Distribution;
  /**
   * CPU time the firmware (iPXE) spends per HTTP request before bytes move (connection setup,
   * parsing, console output), ms; ~0 on real servers (absent = 0), tens of ms in a TCG VM.
   */
  firmwareRequestMs?: Distribution;
  /** The same for the installed OS's agent (process start + request), ms; absent = 0. */
  agentRequestMs?: Distribution;
}

export interface HardwareProfile {
  name: string;
  vendor: string;
  model: string;
  firmware: 'bios' | 'uefi';
  /**
   * What the NIC's option ROM is. 'pxe' (a vendor PXE ROM): DHCP → TFTP iPXE → iPXE's own
   * DHCP → script. 'ipxe' (QEMU's ROMs, boards flashed with iPXE): its first DHCP already sends
   * user class iPXE, so the target answers with the script: no TFTP, no second DHCP.
   */
  nicRom: 'pxe' | 'ipxe';
  nics: number;
  nicSpeedMbps: number;
  cpu: { model: string; sockets: number; coresPerSocket: number; threadsPerCore: number; mhz: number };
  memoryGiB: number;
  disks: { name: string; sizeGB: number; kind: 'ssd' | 'hdd' | 'nvme' }[];
  timings: ProfileTimings;
  labels: Record<string, string>;
}

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

const TIMING_KEYS = ['postMs', 'kernelBootMs', 'diskWriteMBps', 'rebootMs', 'diskBootMs', 'shutdownMs', 'firmwareRequestMs', 'agentRequestMs'] as const;
const PROFILE_KEYS = new Set(['name', 'base', 'vendor', 'model', 'firmware', 'nicRom', 'nics', 'nicSpeedMbps', 'cpu', 'memoryGiB', 'disks', 'timings', 'labels']);

/** A profile in a spec: any field may be omitted and is taken from `base` (default generic-uefi). */
export function parseProfile(input: unknown, path: string, problems: Problems, known: Record<string, HardwareProfile>): HardwareProfile | undefined {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    problems.add(path, 'expected an object');
    return undefined;
  }
  const o = input as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!PROFILE_KEYS.has(k)) problems.add(`${path}.${k}`, `unknown field (known: ${[...PROFILE_KEYS].join(', ')})`);
  if (typeof o.name !== 'string' || !/^[a-z0-9][a-z0-9._-]*$/i.test(o.name)) {
    problems.add(`${path}.name`, 'expected a name of letters, digits, . _ -');
    return undefined;
  }
  const baseName = o.base === undefined ? 'generic-uefi' : o.base;
  const base = typeof baseName === 'string' ? known[baseName] : undefined;
  if (!base) {
    problems.add(`${path}.base`, `unknown profile '${String(baseName)}' (known: ${Object.keys(known).join(', ')})`);
    return undefined;
  }
  const p: HardwareProfile = structuredClone({ ...base, name: o.name });
  const str = (k: 'vendor' | 'model') => {
    if (o[k] === undefined) return;
    if (typeof o[k] !== 'string') problems.add(`${path}.${k}`, 'expected a string');
    else p[k] = o[k];
  };
  str('vendor');
  str('model');
  if (o.firmware !== undefined) {
    if (o.firmware !== 'bios' && o.firmware !== 'uefi') problems.add(`${path}.firmware`, `expected 'bios' or 'uefi', got ${JSON.stringify(o.firmware)}`);
    else p.firmware = o.firmware;
  }
  if (o.nicRom !== undefined) {
    if (o.nicRom !== 'pxe' && o.nicRom !== 'ipxe') problems.add(`${path}.nicRom`, `expected 'pxe' or 'ipxe', got ${JSON.stringify(o.nicRom)}`);
    else p.nicRom = o.nicRom;
  }
  const posInt = (k: 'nics' | 'nicSpeedMbps' | 'memoryGiB', max: number) => {
    if (o[k] === undefined) return;
    const v = o[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) problems.add(`${path}.${k}`, `expected an integer 1..${max}, got ${JSON.stringify(v)}`);
    else p[k] = v;
  };
  posInt('nics', 8);
  posInt('nicSpeedMbps', 400000);
  posInt('memoryGiB', 65536);
  if (o.cpu !== undefined) {
    if (!o.cpu || typeof o.cpu !== 'object') problems.add(`${path}.cpu`, 'expected an object');
    else Object.assign(p.cpu, o.cpu);
  }
  if (o.disks !== undefined) {
    if (!Array.isArray(o.disks) || o.disks.length === 0) problems.add(`${path}.disks`, 'expected a non-empty list');
    else p.disks = o.disks as HardwareProfile['disks'];
  }
  if (o.labels !== undefined) {
    if (!o.labels || typeof o.labels !== 'object') problems.add(`${path}.labels`, 'expected an object of strings');
    else p.labels = { ...p.labels, ...(o.labels as Record<string, string>) };
  }
  if (o.timings !== undefined) {
    if (!o.timings || typeof o.timings !== 'object') problems.add(`${path}.timings`, 'expected an object');
    else {
      const t = o.timings as Record<string, unknown>;
      for (const k of Object.keys(t)) {
        if (!(TIMING_KEYS as readonly string[]).includes(k)) {
          problems.add(`${path}.timings.${k}`, `unknown timing (known: ${TIMING_KEYS.join(', ')})`);
          continue;
        }
        const d = parseDistribution(t[k], `${path}.timings.${k}`, problems);
        if (d) p.timings[k as (typeof TIMING_KEYS)[number]] = d;
      }
      const w = p.timings.diskWriteMBps;
      if ('fixed' in w && w.fixed <= 0) problems.add(`${path}.timings.diskWriteMBps`, 'must be > 0');
    }
  }
  p.labels = { profile: p.name, firmware: p.firmware, vendor: p.vendor, ...p.labels };
  return p;
}
