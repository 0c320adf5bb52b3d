/**
 * The run's per-site WAN plan: which link profile each site gets (the lab's link mix drawn with
 * the seed, then each site's own overrides) and the link model each site's traffic crosses. The
 * dry-run plan prints it; the lab builds one link per site from it.
 *
 *   lab.link (preset | mix) ──seeded draw──▶ profile per site ──+ lab.sites[i].link──▶ SiteLinkPlan
 */
import type { ResolvedLab, ResolvedSite } from '../../lab/config/lab-spec.ts';
import type { Problems } from '../../lab/base/problem.ts';
import type { Clock } from '../../lab/base/clock.ts';
import type { Rng } from '../../lab/base/rng.ts';
import { createRng } from '../../lab/base/rng.ts';
import type { SiteLink } from '../../lab/net/site-link.ts';
import type { LinkProfile } from '../../lab/net/link-spec.ts';
import { applyLinkOverrides, linkSummary, parseLinkInput, resolveSiteLinks } from '../../lab/net/link-spec.ts';
import { createSiteLink } from '../../lab/net/site-link-model.ts';

export interface SiteLinkPlan {
  profiles: Map<string, LinkProfile>;
  linkFor(site: ResolvedSite, clock: Clock, rng: Rng): SiteLink;
  /** One summary line: how many sites got which link. */
  describe(): string[];
}

/** Every problem (bad preset, bad override) goes to `problems` with its path. */
export function planSiteLinks(lab: ResolvedLab, seed: number, problems: Problems): SiteLinkPlan {
  const names = lab.sites.map((s) => s.name);
  const profiles = resolveSiteLinks(lab.link, names, createRng(seed).child('links'), 'lab.link', problems);
  lab.sites.forEach((s, i) => {
    if (s.link === undefined) return;
    const o = parseLinkInput(s.link, `lab.sites[${i}].link`, problems);
    const base = profiles.get(s.name);
    if (o && base) profiles.set(s.name, applyLinkOverrides(base, o));
  });
  return {
    profiles,
    linkFor: (site, clock, rng) => createSiteLink(site.name, profiles.get(site.name)!, { clock, rng: rng.child(`link:${site.name}`) }),
    describe() {
      const counts = new Map<string, number>();
      for (const p of profiles.values()) {
        const k = linkSummary(p);
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      return [`links: ${[...counts].map(([k, v]) => `${v} × ${k}`).join('; ')}`];
    },
  };
}
