/**
 * wan-degraded — provision an edge fleet whose sites sit behind very different WAN links, while a
 * few links flap, and show how link quality drives provisioning time.
 *
 *   npx fleetlab run scenarios/wan-degraded.ts
 *   npx fleetlab run scenarios/wan-degraded.ts --param sites=1000 --param flapPercent=3
 *
 * Lab: `sites` sites × `nodesPerSite` nodes; each site's link is drawn (seeded) from a mix of
 * presets: 10 % lan, 30 % metro-fiber, 30 % dsl, 20 % lte, 10 % satellite (the site label `link`
 * says which). A link-flap fault cuts `flapPercent` % of the sites for `flapDown` every
 * `flapPeriod` for the whole run (fault.start/stop windows in run.json `faults`).
 *
 * Per node, "network time" = the phases that cross the WAN (dhcp, tftp, ipxe-dhcp, script,
 * kernel, image). The run logs p50 network time and time-to-ready per link class, best link
 * first, and checks:
 *   - every node gets ready despite the flapping links;
 *   - network time follows link quality: Spearman ρ between the sites' preset rank
 *     (lan < metro-fiber < dsl < lte < satellite) and their network time >= minRho;
 *   - satellite sites take longer than LAN sites.
 * Same seed twice → the same link per site, the same flapping sites and the same windows.
 */
import { defineScenario } from '../harness/index.ts';
import type { FleetEvent, NodePhase } from '../harness/index.ts';

/** Link classes best first: the order the report and the rank correlation use. */
const CLASSES = ['lan', 'metro-fiber', 'dsl', 'lte', 'satellite'] as const;
const WAN_PHASES: readonly NodePhase[] = ['dhcp', 'tftp', 'ipxe-dhcp', 'script', 'kernel', 'image'];

export default defineScenario({
  name: 'wan-degraded',
  description: 'provision sites on mixed WAN links (lan … satellite) while some links flap; time per link class',
  params: {
    sites: 100,
    nodesPerSite: 1,
    imageMB: 4,
    // 1 s modelled = 100 ms real: link delays stay well above host noise, a run takes ~30 s.
    timeScale: 0.1,
    flapPercent: 5,
    flapPeriod: '60s',
    flapDown: '10s',
    minRho: 0.5,
    // IPMI listeners bind 127.x:623 per BMC; the reference target drives Redfish only.
    ipmi: false,
  },
  validate: (p) => {
    const out: [string, string][] = [];
    if (!(p.flapPercent >= 0 && p.flapPercent <= 100)) out.push(['--param flapPercent', `expected 0..100, got ${p.flapPercent}`]);
    if (!(p.imageMB > 0)) out.push(['--param imageMB', `expected a size > 0, got ${p.imageMB}`]);
    return out;
  },
  lab: (p) => ({
    sites: p.sites,
    nodesPerSite: p.nodesPerSite,
    timeScale: p.timeScale,
    link: { mix: { lan: 0.1, 'metro-fiber': 0.3, dsl: 0.3, lte: 0.2, satellite: 0.1 } },
    bmc: { ipmi: p.ipmi },
  }),
  async run({ lab, target, faults, expect, step, params, events, log }) {
    // Node progress as it happens (the phases crossing the WAN are timed from these).
    const seen: FleetEvent[] = [];
    const keep = (e: FleetEvent) => void seen.push(e);
    const unsubscribe = [events.on('node.phase', keep), events.on('node.ready', keep), events.on('node.failed', keep)];
    await step('enroll', () => target.enroll(lab.nodes));
    if (params.flapPercent > 0) {
      await faults.inject({
        id: 'wan-flap',
        kind: 'link-flap',
        selector: { percentSites: params.flapPercent },
        params: { period: params.flapPeriod, down: params.flapDown },
      });
    }
    const image = target.image('edge-os-2.0', params.imageMB * 1e6);
    await step('provision', () => target.provision(lab.nodes, image));
    const result = await step('wait for ready', () => lab.waitReady(lab.nodes, { since: 0 }));
    await faults.healAll();
    for (const u of unsubscribe) u();
    for (const f of result.failed.slice(0, 10)) log(`node ${f.node.name} failed: ${f.code}: ${f.message}`);

    // Per node: WAN phase time of its last provisioning, and time-to-ready.
    const classOf = new Map(lab.sites.map((s) => [s.name, s.labels.link ?? 'ideal']));
    const perNode = nodeTimes(seen);
    const rows = lab.nodes.flatMap((n) => {
      const t = perNode.get(n.name);
      return t ? [{ node: n.name, site: n.site, cls: classOf.get(n.site) ?? 'ideal', ...t }] : [];
    });

    log('link class      sites  p50 network  p50 time-to-ready');
    for (const cls of CLASSES) {
      const r = rows.filter((x) => x.cls === cls);
      if (r.length === 0) continue;
      const sites = new Set(r.map((x) => x.site)).size;
      log(`${cls.padEnd(14)} ${String(sites).padStart(6)}  ${fmt(median(r.map((x) => x.networkMs)))}  ${fmt(median(r.flatMap((x) => (x.readyMs === null ? [] : [x.readyMs]))))}`);
    }

    expect.readyRatio('all nodes ready despite flapping links', 1);
    const ranked = rows.filter((x) => (CLASSES as readonly string[]).includes(x.cls));
    const rho = spearman(ranked.map((x) => CLASSES.indexOf(x.cls as (typeof CLASSES)[number])), ranked.map((x) => x.networkMs));
    expect.check(`network time follows link quality (Spearman rho >= ${params.minRho})`, rho >= params.minRho, round(rho, 3), `>= ${params.minRho}`);
    const lan = median(rows.filter((x) => x.cls === 'lan').map((x) => x.networkMs));
    const sat = median(rows.filter((x) => x.cls === 'satellite').map((x) => x.networkMs));
    if (Number.isFinite(lan) && Number.isFinite(sat)) expect.check('satellite sites take longer than LAN sites (p50 network time, ms)', sat > lan, round(sat, 1), `> ${round(lan, 1)}`);
  },
});

/** WAN phase time and time-to-ready (ms) of each node's last provisioning, from the event log. */
function nodeTimes(all: readonly FleetEvent[]): Map<string, { networkMs: number; readyMs: number | null }> {
  const open = new Map<string, { phase: NodePhase; t: number; start: number; wan: number }>();
  const out = new Map<string, { networkMs: number; readyMs: number | null }>();
  for (const e of all) {
    if (e.kind === 'node.phase') {
      const cur = open.get(e.node);
      if (e.phase === 'power-on' && (!cur || out.has(e.node))) {
        // A fresh provisioning (first boot, or a boot after the node was ready/failed).
        open.set(e.node, { phase: e.phase, t: e.t, start: e.t, wan: 0 });
        out.delete(e.node);
        continue;
      }
      if (!cur) continue;
      if (WAN_PHASES.includes(cur.phase)) cur.wan += e.t - cur.t;
      cur.phase = e.phase;
      cur.t = e.t;
    } else if (e.kind === 'node.ready' || e.kind === 'node.failed') {
      const cur = open.get(e.node);
      if (!cur) continue;
      if (WAN_PHASES.includes(cur.phase)) cur.wan += e.t - cur.t;
      out.set(e.node, { networkMs: cur.wan, readyMs: e.kind === 'node.ready' ? e.t - cur.start : null });
    }
  }
  return out;
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Ranks with ties averaged (1-based). */
function ranks(xs: number[]): number[] {
  const idx = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(xs.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1]![0] === idx[i]![0]) j++;
    for (let k = i; k <= j; k++) r[idx[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/** Spearman rank correlation (Pearson on average ranks); NaN with fewer than 3 points. */
function spearman(a: number[], b: number[]): number {
  if (a.length < 3) return NaN;
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const ma = mean(ra);
  const mb = mean(rb);
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i]! - ma) * (rb[i]! - mb);
    da += (ra[i]! - ma) ** 2;
    db += (rb[i]! - mb) ** 2;
  }
  return da === 0 || db === 0 ? NaN : num / Math.sqrt(da * db);
}

function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

function fmt(ms: number): string {
  if (!Number.isFinite(ms)) return '          -';
  return (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`).padStart(11);
}
