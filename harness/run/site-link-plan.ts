/**
 * Optional lab features the runner wires in: per-site WAN links (lab/net) and the fault
 * controller (lab/faults). Kept in one place so the runner's flow stays readable.
 */
import type { ResolvedLab, ResolvedSite } from '../../lab/config/lab-spec.ts';
import type { Problems } from '../../lab/base/problem.ts';
import type { Clock } from '../../lab/base/clock.ts';
import type { Rng } from '../../lab/base/rng.ts';
import { createRng } from '../../lab/base/rng.ts';
import type { SiteLink } from '../../lab/net/site-link.ts';
import type { LinkProfile } from '../../lab/net/link-spec.ts';
import { applyLinkOverrides, linkSummary, parseLinkInput, resolveSiteLinks } from '../../lab/net/link-spec.ts';
import { createSiteLink, type SiteLinkControl } from '../../lab/net/site-link-model.ts';
import type { Params } from '../scenario.ts';

export interface LinkPlan {
  profiles: Map<string, LinkProfile>;
  linkFor(site: ResolvedSite, clock: Clock, rng: Rng): SiteLink;
  controls: Map<string, SiteLinkControl>;
  describe(): string[];
}

export interface LabExtensions {
  planLinks(lab: ResolvedLab, seed: number, problems: Problems): LinkPlan;
  /**
   * Whether the IPMI emulator starts. Every node has an IPMI address in the spec, but binding one
   * UDP socket per BMC on 127.x:623 needs root, costs an fd per node and collides between runs on
   * one machine, so it is opt-in: the lab spec says `bmc: {ipmi: true}` or the run passes
   * `--param bmc=ipmi`.
   */
  ipmiWanted(params: Params, explicit: boolean): boolean;
}

export function labExtensions(): LabExtensions {
  return {
    planLinks(lab, seed, problems) {
      const names = lab.sites.map((s) => s.name);
      const profiles = resolveSiteLinks(lab.link, names, createRng(seed).child('links'), 'lab.link', problems);
      lab.sites.forEach((s, i) => {
        if (s.link === undefined) return;
        const o = parseLinkInput(s.link, `lab.sites[${i}].link`, problems);
        const base = profiles.get(s.name);
        if (o && base) profiles.set(s.name, applyLinkOverrides(base, o));
      });
      const controls = new Map<string, SiteLinkControl>();
      return {
        profiles,
        controls,
        linkFor(site, clock, rng) {
          const c = createSiteLink(site.name, profiles.get(site.name)!, { clock, rng: rng.child(`link:${site.name}`) });
          controls.set(site.name, c);
          return c;
        },
        describe() {
          const counts = new Map<string, number>();
          for (const p of profiles.values()) {
            const k = linkSummary(p);
            counts.set(k, (counts.get(k) ?? 0) + 1);
          }
          return [`links: ${[...counts].map(([k, v]) => `${v} × ${k}`).join('; ')}`];
        },
      };
    },
    ipmiWanted(params, explicit) {
      return explicit || params.bmc === 'ipmi';
    },
  };
}
