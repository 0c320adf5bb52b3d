/**
 * provision — enroll every node in the target and provision all of them with one image.
 *
 *   npx fleetlab run scenarios/provision.ts --param sites=10 --param nodesPerSite=3
 *
 * Params: sites, nodesPerSite, imageMB (image size), timeScale (multiplies every modelled
 * duration: POST, kernel boot, disk write, reboot; 0 = as fast as possible), p95ReadyMs (the
 * threshold, in ms of run time), profile (hardware profile or `mixed`), bmc (redfish|ipmi),
 * tier (sim | qemu: real VMs in network namespaces, see lab/nodes/qemu; needs root + qemu |
 * hardware: the machines of `--inventory FILE`, see lab/nodes/hardware),
 * linkEngine (qemu sites' WAN: userspace = frames through the sim tier's link model, the
 * default; kernel = veth + tc/nft, delay/jitter only with sch_netem).
 * WAN link of every site: link (preset: lan, metro-fiber, dsl, lte, satellite) and overrides
 * down, up ('20mbit'), latency (round trip, '40ms'), jitter ('5ms'), loss ('0.5%'), e.g.
 *   npx fleetlab run scenarios/provision.ts --param link=lte --param loss=2%
 * Expects: 100 % of nodes ready, p95 time-to-ready under p95ReadyMs.
 */
import { defineScenario } from '../harness/index.ts';

export default defineScenario({
  name: 'provision',
  description: 'enroll every node, provision all with one image, expect 100 % ready',
  params: {
    sites: 10,
    nodesPerSite: 3,
    imageMB: 1,
    timeScale: 0.01,
    p95ReadyMs: 120_000,
    profile: 'generic-uefi',
    bmc: 'redfish',
    tier: 'sim',
    linkEngine: 'userspace',
    link: '',
    down: '',
    up: '',
    latency: '',
    jitter: '',
    loss: '',
  },
  // Targets that manage BMCs (ironic) enrol nodes with the protocol the lab's BMCs speak.
  targetOptions: (p) => ({ bmc: String(p.bmc) }),
  validate: (p) => {
    const out: [string, string][] = [];
    if (!(p.imageMB > 0)) out.push(['--param imageMB', `expected a size > 0, got ${p.imageMB}`]);
    if (p.bmc !== 'redfish' && p.bmc !== 'ipmi') out.push(['--param bmc', `expected redfish or ipmi, got '${p.bmc}'`]);
    if (p.tier !== 'sim' && p.tier !== 'qemu' && p.tier !== 'hardware') out.push(['--param tier', `expected sim, qemu or hardware (with --inventory FILE), got '${p.tier}'`]);
    if (p.linkEngine !== 'userspace' && p.linkEngine !== 'kernel') out.push(['--param linkEngine', `expected userspace or kernel, got '${p.linkEngine}'`]);
    return out;
  },
  lab: (p) => ({
    sites: p.sites,
    nodesPerSite: p.nodesPerSite,
    timeScale: p.timeScale,
    tier: p.tier === 'qemu' ? 'qemu' : 'sim',
    profile: p.profile === 'mixed' ? { 'generic-uefi': 0.7, 'legacy-bios': 0.3 } : p.profile,
    ...siteLink(p),
  }),
  async run({ lab, target, expect, step, params, log, events }) {
    // The target's own view of each node (target.state events), to wait for it to finish too.
    const targetPhase = new Map<string, string>();
    const stopWatching = events.on('target.state', (e) => targetPhase.set(e.node, e.phase));
    await step('enroll', () => target.enroll(lab.nodes));
    const image = target.image('edge-os-1.0', params.imageMB * 1e6);
    await step('provision', () => target.provision(lab.nodes, image));
    // Counts every ready/failed event since the run started (nodes begin powered off).
    const result = await step('wait for ready', () => lab.waitReady(lab.nodes, { since: 0 }));
    for (const f of result.failed.slice(0, 10)) log(`node ${f.node.name} failed: ${f.code}: ${f.message}`);
    // A deploy is over when the target says so as well: Ironic marks a node active only after it
    // powered the node on to its disk (so just after the node came up, with its BMC still needed).
    await step('wait for target', () => settled(events, targetPhase, result.ready.map((n) => n.name), 60_000));
    stopWatching();
    expect.readyRatio('all nodes ready', 1);
    // qemu VMs (TCG) and real machines take minutes, not the sim's modelled seconds: the default threshold scales.
    const p95 = (params.tier === 'qemu' || params.tier === 'hardware') && params.p95ReadyMs === 120_000 ? 900_000 : params.p95ReadyMs;
    expect.p95TimeToReadyMs(`p95 time-to-ready <= ${p95} ms`, p95);
  },
});

/** The `link` of every site from --param link/down/up/latency/jitter/loss (none given: an ideal LAN). */
function siteLink(p: Record<string, string | number | boolean>): { link?: Record<string, string> } {
  const link: Record<string, string> = {};
  if (p.link) link.preset = String(p.link);
  for (const k of ['down', 'up', 'latency', 'jitter', 'loss'] as const) if (p[k]) link[k] = String(p[k]);
  return Object.keys(link).length ? { link } : {};
}

/** Resolves once every node's last target phase is active or failed, or after `timeoutMs` (real ms). */
function settled(events: { on(kind: 'target.state', cb: (e: { node: string; phase: string }) => void): () => void }, phase: Map<string, string>, nodes: string[], timeoutMs: number): Promise<void> {
  const done = (n: string) => phase.get(n) === 'active' || phase.get(n) === 'failed';
  const pending = new Set(nodes.filter((n) => !done(n)));
  if (pending.size === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      off();
      resolve();
    };
    const timer = setTimeout(finish, timeoutMs);
    const off = events.on('target.state', (e) => {
      if (done(e.node)) pending.delete(e.node);
      if (pending.size === 0) finish();
    });
  });
}
