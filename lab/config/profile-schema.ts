/**
 * Hardware profiles as zod schemas: what a resolved profile is (HardwareProfile, the type the
 * nodes use) and what a lab spec may write (ProfileSpec: any field but `name` may be omitted
 * and comes from `base`). One declaration gives the types, the checks with every problem at its
 * path, and the JSON Schema for editors.
 */
import { z } from 'zod';
import { intIn, strict } from '../base/schema.ts';
import { DistributionSchema } from './distribution.ts';

const NAME = /^[a-z0-9][a-z0-9._-]*$/i;
/** A site or profile name: letters, digits, . _ - (it ends up in node names, labels and paths). */
export const NameSchema = z.string({ error: 'expected a name of letters, digits, . _ -' }).regex(NAME, { error: 'expected a name of letters, digits, . _ -' });

const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: (iss) => `expected ${values.map((v) => `'${v}'`).join(' or ')}, got ${JSON.stringify(iss.input)}` });

export const FirmwareSchema = oneOf(['bios', 'uefi'] as const);
/**
 * What the NIC's option ROM is. 'pxe' (a vendor PXE ROM): DHCP → TFTP iPXE → iPXE's own DHCP →
 * script. 'ipxe' (QEMU's ROMs, boards flashed with iPXE): its first DHCP already sends user
 * class iPXE, so the target answers with the script: no TFTP, no second DHCP.
 */
export const NicRomSchema = oneOf(['pxe', 'ipxe'] as const);

const positive = z.number().positive();
const CpuSchema = strict({ model: z.string(), sockets: intIn(1, 64), coresPerSocket: intIn(1, 1024), threadsPerCore: intIn(1, 16), mhz: positive });
const DiskSchema = strict({ name: z.string().min(1), sizeGB: positive, kind: z.enum(['ssd', 'hdd', 'nvme']) });

const TIMINGS = {
  postMs: DistributionSchema.describe('Power applied → PXE ROM starts (POST), ms'),
  kernelBootMs: DistributionSchema.describe('Kernel + initrd loaded → agent/installer running, ms'),
  diskWriteMBps: DistributionSchema.describe('Sustained disk write, MB/s (1 MB = 1e6 bytes)'),
  rebootMs: DistributionSchema.describe('Reboot request → firmware starts again, ms (adds to POST)'),
  diskBootMs: DistributionSchema.describe('Boot from disk → OS ready, ms'),
  shutdownMs: DistributionSchema.describe('Graceful shutdown (soft-off) duration, ms'),
  /**
   * CPU time the firmware (iPXE) spends per HTTP request before bytes move (connection setup,
   * parsing, console output), ms; ~0 on real servers (absent = 0), tens of ms in a TCG VM.
   */
  firmwareRequestMs: DistributionSchema.optional().describe('Firmware (iPXE) CPU time per HTTP request, ms; absent = 0'),
  /** The same for the installed OS's agent (process start + request), ms; absent = 0. */
  agentRequestMs: DistributionSchema.optional().describe("The installed OS agent's CPU time per HTTP request, ms; absent = 0"),
};
const unknownTiming = `unknown timing (known: ${Object.keys(TIMINGS).join(', ')})`;
const TimingsSchema = strict(TIMINGS, unknownTiming);
export type ProfileTimings = z.output<typeof TimingsSchema>;

/** The node's BMC as this hardware's vendor ships it: the Redfish persona (lab/bmc/redfish/personas/, checked when the lab starts). */
const BmcSchema = strict({ persona: NameSchema.describe('Redfish persona: generic (default), sushy-tools, idrac, ilo, supermicro') });

const LabelsSchema = z.record(z.string(), z.string({ error: 'expected a string' }), { error: 'expected an object of strings' });

/** A resolved hardware profile: what a node is and how long things take on it. */
export const HardwareProfileSchema = strict({
  name: NameSchema,
  vendor: z.string(),
  model: z.string(),
  firmware: FirmwareSchema,
  nicRom: NicRomSchema,
  nics: intIn(1, 8),
  nicSpeedMbps: intIn(1, 400000),
  cpu: CpuSchema,
  memoryGiB: positive,
  disks: z.array(DiskSchema).min(1),
  timings: TimingsSchema,
  labels: LabelsSchema,
  bmc: BmcSchema.optional(),
});
export type HardwareProfile = z.output<typeof HardwareProfileSchema>;

/** A profile in a lab spec: `name`, optional `base` (default generic-uefi), any field to change. */
export const ProfileSpecSchema = strict({
  name: NameSchema,
  base: z.string({ error: 'expected a profile name' }).optional().describe('profile to start from (default generic-uefi)'),
  vendor: z.string({ error: 'expected a string' }).optional(),
  model: z.string({ error: 'expected a string' }).optional(),
  firmware: FirmwareSchema.optional(),
  nicRom: NicRomSchema.optional(),
  nics: intIn(1, 8).optional(),
  nicSpeedMbps: intIn(1, 400000).optional(),
  cpu: CpuSchema.partial().optional(),
  memoryGiB: intIn(1, 65536).optional(),
  disks: z.array(DiskSchema, { error: 'expected a non-empty list' }).min(1, { error: 'expected a non-empty list' }).optional(),
  timings: strict(
    Object.fromEntries(Object.entries(TIMINGS).map(([k, s]) => [k, s.optional()])) as { [K in keyof typeof TIMINGS]: z.ZodOptional<(typeof TIMINGS)[K]> },
    unknownTiming,
  )
    .refine((t) => !(t.diskWriteMBps && 'fixed' in t.diskWriteMBps && t.diskWriteMBps.fixed <= 0), { path: ['diskWriteMBps'], error: 'must be > 0' })
    .optional(),
  labels: LabelsSchema.optional(),
  bmc: BmcSchema.optional(),
});
export type ProfileSpec = z.output<typeof ProfileSpecSchema>;
