/**
 * The lab spec a user writes (scenario `lab:`), as one zod schema: sites, nodes per site,
 * hardware profiles, the profile (or mix) each site gets, WAN links, BMC credentials, tier,
 * addressing and time scale. From it come the LabSpec type, every shape problem at once with
 * its path (`lab.sites[3].link.down: …`), and the JSON Schema (`fleetlab schema lab`).
 *
 *   LabSpecSchema ─▶ lab-spec.ts resolveLab: + checks across sections (names unique, profiles
 *                    known, qemu rules, address ranges) ─▶ ResolvedLab
 */
import { z } from 'zod';
import { byShape, intIn, jsonSchemaOf, strict } from '../base/schema.ts';
import { isRecord } from '../base/values.ts';
import { LinkInputSchema, SiteLinksSchema } from '../net/link-schema.ts';
import { NameSchema, ProfileSpecSchema } from './profile-schema.ts';

export const MAX_NODES_PER_SITE = 240; // pool .10–.250 of a /24
export const MAX_SITES = 200 * 256;

export const TierSchema = z.enum(['sim', 'qemu'], { error: (iss) => `expected 'sim' or 'qemu', got ${JSON.stringify(iss.input)}` });
export type Tier = z.output<typeof TierSchema>;

const share = z.number({ error: (iss) => `expected a positive share, got ${JSON.stringify(iss.input)}` }).positive({ error: (iss) => `expected a positive share, got ${JSON.stringify(iss.input)}` });
/** A profile name, or a mix `{profileA: 0.7, profileB: 0.3}` drawn per node with the seed. */
const ProfileChoiceSchema = byShape<string | Record<string, number>>(
  [
    { when: (v) => typeof v === 'string', schema: z.string() },
    { when: isRecord, schema: z.record(z.string(), share) },
  ],
  (v) => `expected a profile name or a mix {name: share}, got ${JSON.stringify(v)}`,
  z.union([z.string(), z.record(z.string(), z.number().positive())]).describe('a profile name or a mix {name: share}'),
);

const LabelsSchema = z.record(z.string(), z.string({ error: 'expected a string' }), { error: 'expected an object of strings' });
const nodeCount = intIn(0, MAX_NODES_PER_SITE);

export const SiteSpecSchema = strict({
  name: NameSchema.optional(),
  nodes: nodeCount.optional(),
  profile: ProfileChoiceSchema.optional(),
  /** The site's own link: a preset or profile on top of the lab's `link`. */
  link: LinkInputSchema.optional(),
  labels: LabelsSchema.optional(),
  tier: TierSchema.optional(),
});
export type SiteSpec = z.output<typeof SiteSpecSchema>;

const credential = (max: number) => {
  const error = `expected a non-empty string of at most ${max} characters (IPMI limit)`;
  return z.string({ error }).min(1, { error }).max(max, { error }).optional();
};
const flag = z.boolean({ error: 'expected true or false' }).optional();

const SitesSchema = byShape<number | SiteSpec[]>(
  [
    { when: (v) => typeof v === 'number', schema: intIn(0, MAX_SITES, (v) => `expected an integer 0..${MAX_SITES} or a list of sites, got ${String(v)}`) },
    { when: Array.isArray, schema: z.array(SiteSpecSchema).max(MAX_SITES, { error: `at most ${MAX_SITES} sites` }) },
  ],
  (v) => `expected a count or a list of sites, got ${JSON.stringify(v)}`,
  z.union([z.number().int().min(0).max(MAX_SITES), z.array(SiteSpecSchema)]).describe('a count of sites or a list of sites'),
);

export const LabSpecSchema = strict({
  sites: SitesSchema.optional(),
  nodesPerSite: nodeCount.optional(),
  profiles: z.array(ProfileSpecSchema, { error: 'expected a list of profiles' }).optional(),
  /** Default profile (or mix) for sites that don't name one. */
  profile: ProfileChoiceSchema.optional(),
  /** Default link for every site; a site's own `link` overrides it. */
  link: SiteLinksSchema.optional(),
  bmc: strict({ username: credential(16), password: credential(20), ipmi: flag, redfish: flag }).optional(),
  tier: TierSchema.optional(),
  addressing: strict({
    siteBase: intIn(1, 254, () => 'expected an integer 1..254').optional(),
    bmcBase: intIn(1, 254, () => 'expected an integer 1..254').optional(),
    ipmiPort: intIn(0, 65535, () => 'expected a port 0..65535').optional(),
  }).optional(),
  /** Multiplies every modelled duration; 0 = as fast as possible. */
  timeScale: z
    .number({ error: (iss) => `expected a number 0..100, got ${JSON.stringify(iss.input)}` })
    .min(0, { error: (iss) => `expected a number 0..100, got ${JSON.stringify(iss.input)}` })
    .max(100, { error: (iss) => `expected a number 0..100, got ${JSON.stringify(iss.input)}` })
    .optional()
    .describe('multiplies every modelled duration; 0 = as fast as possible'),
});

/** The lab spec as written (input) and as checked (output: links parsed, distributions normalised). */
export type LabSpecInput = z.input<typeof LabSpecSchema>;
export type LabSpec = z.output<typeof LabSpecSchema>;

export const labJsonSchema = (): Record<string, unknown> =>
  jsonSchemaOf(LabSpecSchema, 'fleetlab lab spec', 'The `lab` of a fleetlab scenario: sites, nodes, hardware profiles, WAN links, BMC credentials, tier, addressing, time scale.');
