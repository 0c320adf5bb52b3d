/**
 * Parsers for ipmitool's human-readable answers (1.8.x wording) into typed results. Anything the
 * parser cannot read is BMC_CLIENT_RESPONSE with the text quoted, never a guess.
 */
import { FleetlabError } from '../../base/errors.ts';

export interface ChassisStatus {
  power: 'on' | 'off';
  powerOverload: boolean;
  powerFault: boolean;
  restorePolicy: string;
  /** Every "Key : value" line, as printed. */
  fields: Record<string, string>;
}

export type IpmiBootDevice = 'none' | 'pxe' | 'disk' | 'cdrom' | 'bios' | 'floppy' | 'other';

export interface BootFlags {
  /** Boot Flag Valid (an override is set). */
  valid: boolean;
  /** Options apply to all future boots (else only the next). */
  persistent: boolean;
  efi: boolean;
  device: IpmiBootDevice;
  /** Raw parameter data as printed (hex). */
  data: string;
}

export interface McInfo {
  deviceId: number;
  firmwareRevision: string;
  ipmiVersion: string;
  manufacturerId: number;
  productId: number;
  fields: Record<string, string>;
}

function bad(what: string, text: string): FleetlabError {
  return new FleetlabError('BMC_CLIENT_RESPONSE', `ipmitool ${what}: cannot read the answer: ${JSON.stringify(text.slice(0, 300))}`);
}

/** "Key   : value" lines of an ipmitool listing. */
export function keyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([^:]+?)\s*:\s*(.*?)\s*$/.exec(line);
    if (m && !line.trim().startsWith('-')) out[m[1]!] = m[2]!;
  }
  return out;
}

export function parsePowerStatus(text: string): 'on' | 'off' {
  const m = /Chassis Power is (on|off)/i.exec(text);
  if (!m) throw bad('chassis power status', text);
  return m[1]!.toLowerCase() as 'on' | 'off';
}

export function parseChassisStatus(text: string): ChassisStatus {
  const f = keyValues(text);
  const power = f['System Power'];
  if (power !== 'on' && power !== 'off') throw bad('chassis status', text);
  return { power, powerOverload: f['Power Overload'] === 'true', powerFault: f['Main Power Fault'] === 'true', restorePolicy: f['Power Restore Policy'] ?? '', fields: f };
}

const DEVICES: [RegExp, IpmiBootDevice][] = [
  [/No override/i, 'none'],
  [/PXE/i, 'pxe'],
  [/Hard-Drive|Hard Drive|disk/i, 'disk'],
  [/CD\/DVD|CD-ROM|cdrom/i, 'cdrom'],
  [/BIOS Setup/i, 'bios'],
  [/Floppy/i, 'floppy'],
];

export function parseBootParam5(text: string): BootFlags {
  const selector = /Boot Device Selector\s*:\s*(.+)/.exec(text)?.[1]?.trim();
  const data = /Boot parameter data:\s*([0-9a-fA-F]+)/.exec(text)?.[1];
  if (selector === undefined || data === undefined) throw bad('chassis bootparam get 5', text);
  return {
    valid: /Boot Flag Valid/i.test(text),
    persistent: /Options apply to all future boots/i.test(text),
    efi: /BIOS EFI boot/i.test(text),
    device: DEVICES.find(([re]) => re.test(selector))?.[1] ?? 'other',
    data: data.toLowerCase(),
  };
}

export function parseMcInfo(text: string): McInfo {
  const f = keyValues(text);
  const id = Number(f['Device ID']);
  if (!Number.isFinite(id) || f['IPMI Version'] === undefined) throw bad('mc info', text);
  return {
    deviceId: id,
    firmwareRevision: f['Firmware Revision'] ?? '',
    ipmiVersion: f['IPMI Version'],
    manufacturerId: Number(f['Manufacturer ID'] ?? 0),
    productId: Number(/^(\d+)/.exec(f['Product ID'] ?? '')?.[1] ?? 0),
    fields: f,
  };
}
