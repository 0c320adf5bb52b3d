/**
 * `--target container` options: the container (image, engine, command, env, volumes, health),
 * then what runs in it. `server` picks how fleetlab drives it; without it the image's
 * `fleetlab.server` label decides, and options for a mapping file mean `mapping`:
 *
 *   mapping  a REST server driven by a mapping file (api, dhcp, tftp, mapping: the external target's)
 *   kea      Kea DHCPv4 from the image, configured by fleetlab as for `--target kea` (dhcpPort, …)
 *
 * Checked before anything starts (exit 2); a server kind that only the image label could supply
 * is checked once the image is inspected (container-target.ts).
 */
import { z } from 'zod';
import { externalOptions } from '../external/external-target.ts';

const list = (sep: string) => z.string().transform((v) => v.split(sep).map((x) => x.trim()).filter(Boolean));
const int = (min: number) => z.coerce.number().int().min(min);

export const SERVER_KINDS = ['mapping', 'kea'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];
/** Image label naming the server kind (set by fixtures/images/*). */
export const SERVER_LABEL = 'fleetlab.server';
const MAPPING_KEYS = ['api', 'dhcp', 'tftp', 'mapping'] as const;
/** Options the kea server kind hands to the DHCP-daemon target. */
export const DHCP_DAEMON_KEYS = ['dhcpPort', 'bootFileBytes', 'kernelBytes', 'initrdBytes'] as const;

export const containerOptions = externalOptions
  .partial({ api: true, dhcp: true, tftp: true, mapping: true })
  .extend({
    image: z.string().min(1).describe('image reference (local, else pulled)'),
    docker: z.string().optional().describe('Docker API endpoint: unix:///path or tcp://host:port (default DOCKER_HOST)'),
    server: z.enum(SERVER_KINDS).optional().describe(`what runs in the image: ${SERVER_KINDS.join(' | ')} (default: the image's ${SERVER_LABEL} label, else mapping)`),
    cmd: list(' ').optional().describe('command and arguments, space-separated'),
    env: list(';').default([]).describe('K=V;K2=V2'),
    volumes: list(';').default([]).describe('host:container[:ro];…'),
    workdir: z.string().optional().describe('working directory in the container'),
    health: z.url().optional().describe('mapping: URL that answers (< 500) once the server is ready (default: api)'),
    healthLog: z
      .string()
      .refine((s) => { try { new RegExp(s); return true; } catch { return false; } }, 'not a regular expression')
      .optional()
      .describe('mapping: a log line (regexp) that means ready, checked before the health URL'),
    healthTimeout: z.coerce.number().min(1).default(60).describe('seconds to wait for health'),
    dhcpPort: int(1).optional().describe('kea: DHCP port (default 67)'),
    bootFileBytes: int(1).optional().describe('kea: size of the generated iPXE boot files'),
    kernelBytes: int(1).optional().describe('kea: size of the generated kernel'),
    initrdBytes: int(1).optional().describe('kea: size of the generated initrd'),
  })
  .superRefine((o, ctx) => {
    const mappingGiven = MAPPING_KEYS.some((k) => o[k] !== undefined);
    if (o.server === 'mapping' || (o.server === undefined && mappingGiven)) {
      for (const k of MAPPING_KEYS) if (o[k] === undefined) ctx.addIssue({ code: 'custom', path: [k], message: `required for a mapping-driven server (give ${MAPPING_KEYS.join(', ')})` });
    } else if (o.server && mappingGiven) {
      ctx.addIssue({ code: 'custom', path: ['server'], message: `server=${o.server} is configured by fleetlab; ${MAPPING_KEYS.filter((k) => o[k] !== undefined).join(', ')} apply to server=mapping only` });
    }
  });
export type ContainerOptions = z.output<typeof containerOptions>;

/** The server kind: explicit, else from mapping options, else the image label (undefined = cannot tell). */
export function serverKind(o: ContainerOptions, imageLabels: Record<string, string>): ServerKind | undefined {
  if (o.server) return o.server;
  if (MAPPING_KEYS.some((k) => o[k] !== undefined)) return 'mapping';
  const label = imageLabels[SERVER_LABEL];
  return (SERVER_KINDS as readonly string[]).includes(label ?? '') ? (label as ServerKind) : undefined;
}
