/**
 * Applies a LinkProfile (lab/net/link-spec.ts) to a qemu site's WAN veth with kernel tools only.
 *
 *   up   (site → core): qdisc on wan0 (site ns) egress
 *   down (core → site): qdisc on the host-side veth egress
 *   rate              : tbf (or netem `rate` when netem exists and a delay is asked for)
 *   latency / jitter  : netem when the kernel has sch_netem; otherwise NOT applied — reported
 *                       in `unsupported` so the caller can log it (no silent lie)
 *   loss              : nft `numgen random` drop in the site ns forward/input/output paths,
 *                       each direction at the profile's mean loss (Gilbert-Elliott → its mean)
 *   partition         : nft drop, one-way or both, including the relay's own traffic
 *
 * Re-applying replaces everything atomically per tool (tc replace, nft batch), so faults can
 * change a running site's link.
 */
import type { LinkProfile } from '../link-spec.ts';
import type { SiteNames } from './naming.ts';
import { inNs, sh, trySh, tryInNs } from './sh.ts';

export interface LinkApplyResult {
  applied: string[];
  unsupported: string[];
}

let netemCache: Promise<boolean> | undefined;

/** Does this kernel have sch_netem? Probed once in a throwaway namespace (lo), cached. */
export function hasNetem(): Promise<boolean> {
  netemCache ??= (async () => {
    const ns = `fl-probe-${process.pid}`;
    if (!(await trySh('ip', ['netns', 'add', ns]))) return false;
    try {
      return (await tryInNs(ns, 'tc', ['qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'])) !== null;
    } finally {
      await trySh('ip', ['netns', 'del', ns]);
    }
  })();
  return netemCache;
}

/** Mean drop probability of a loss model (Gilbert-Elliott: stationary bad-state share × P(drop|bad) + …). */
export function meanLoss(p: LinkProfile): number {
  const l = p.loss;
  if (l.kind === 'random') return l.rate;
  const bad = l.p + l.r > 0 ? l.p / (l.p + l.r) : 0;
  return bad * (1 - l.h) + (1 - bad) * (1 - l.k);
}

const bytesPerSec = (bps: number) => bps / 8;

function tbfArgs(bps: number): string[] {
  // burst: 5 ms of tokens (the sim tier's BURST_MS) but at least 4 full frames; queue: 200 ms
  // worth (≥ 64 KiB) so TCP sees pacing, not tail drops — closest to the sim's lossless bucket.
  const burst = Math.max(Math.ceil(bytesPerSec(bps) * 0.005), 4 * 1514);
  const limit = Math.max(Math.ceil(bytesPerSec(bps) * 0.2), 64 * 1024);
  return ['tbf', 'rate', `${Math.round(bps)}bit`, 'burst', String(burst), 'limit', String(limit)];
}

async function shapeDev(ns: string | null, dev: string, bps: number, delayMs: number, jitterMs: number, dist: string, netem: boolean, res: LinkApplyResult, dir: string) {
  const tc = (args: string[]) => (ns ? inNs(ns, 'tc', args) : sh('tc', args));
  const wantDelay = delayMs > 0 || jitterMs > 0;
  const shaped = Number.isFinite(bps) && bps > 0;
  if (wantDelay && netem) {
    const args = ['qdisc', 'replace', 'dev', dev, 'root', 'netem', 'delay', `${delayMs}ms`];
    if (jitterMs > 0) args.push(`${jitterMs}ms`, ...(dist === 'uniform' ? [] : ['distribution', dist === 'pareto' ? 'pareto' : 'normal']));
    if (shaped) args.push('rate', `${Math.round(bps)}bit`);
    args.push('limit', '10000');
    await tc(args);
    res.applied.push(`${dir}: netem delay ${delayMs}ms jitter ${jitterMs}ms${shaped ? ` rate ${Math.round(bps)}bit` : ''}`);
    return;
  }
  if (wantDelay) res.unsupported.push(`${dir}: delay ${delayMs}ms / jitter ${jitterMs}ms (no sch_netem in this kernel)`);
  if (shaped) {
    await tc(['qdisc', 'replace', 'dev', dev, 'root', ...tbfArgs(bps)]);
    res.applied.push(`${dir}: tbf ${Math.round(bps)}bit`);
  } else {
    // No root qdisc = unshaped; deleting a missing one fails harmlessly.
    await (ns ? tryInNs(ns, 'tc', ['qdisc', 'del', 'dev', dev, 'root']) : trySh('tc', ['qdisc', 'del', 'dev', dev, 'root']));
  }
}

/** nft ruleset (site ns, family inet) for loss and partition. Exported for tests. */
export function linkRuleset(names: Pick<SiteNames, 'nftSite' | 'siteVeth'>, p: LinkProfile): string {
  const t = names.nftSite;
  const w = names.siteVeth;
  const loss = Math.min(1, Math.max(0, meanLoss(p)));
  const ppm = Math.round(loss * 1_000_000);
  const dropDown = p.partition === 'both' || p.partition === 'down';
  const dropUp = p.partition === 'both' || p.partition === 'up';
  const fwd: string[] = [];
  const inp: string[] = [];
  const out: string[] = [];
  if (dropDown) {
    fwd.push(`iifname "${w}" drop`);
    inp.push(`iifname "${w}" drop`);
  }
  if (dropUp) {
    fwd.push(`oifname "${w}" drop`);
    out.push(`oifname "${w}" drop`);
  }
  if (ppm > 0) {
    fwd.push(`iifname "${w}" numgen random mod 1000000 < ${ppm} drop`, `oifname "${w}" numgen random mod 1000000 < ${ppm} drop`);
    inp.push(`iifname "${w}" numgen random mod 1000000 < ${ppm} drop`);
    out.push(`oifname "${w}" numgen random mod 1000000 < ${ppm} drop`);
  }
  const chain = (name: string, hook: string, rules: string[]) => `  chain ${name} {\n    type filter hook ${hook} priority 0; policy accept;\n${rules.map((r) => `    ${r}\n`).join('')}  }\n`;
  // "add table" + "flush table" first makes the batch idempotent and atomic.
  return `add table inet ${t}\nflush table inet ${t}\ntable inet ${t} {\n${chain('link_fwd', 'forward', fwd)}${chain('link_in', 'input', inp)}${chain('link_out', 'output', out)}}\n`;
}

export async function applyLink(names: SiteNames, p: LinkProfile): Promise<LinkApplyResult> {
  const netem = await hasNetem();
  const res: LinkApplyResult = { applied: [], unsupported: [] };
  const half = p.latencyMs / 2; // latencyMs is round-trip: each direction carries half
  await shapeDev(names.ns, names.siteVeth, p.upBps, half, p.jitterMs, p.jitterDistribution, netem, res, 'up');
  await shapeDev(null, names.hostVeth, p.downBps, half, p.jitterMs, p.jitterDistribution, netem, res, 'down');
  await inNs(names.ns, 'nft', ['-f', '-'], { input: linkRuleset(names, p) });
  if (meanLoss(p) > 0) res.applied.push(`loss ${(meanLoss(p) * 100).toFixed(3)}% each way (nft numgen)`);
  if (p.loss.kind !== 'random') res.unsupported.push('gilbert-elliott loss bursts (applied as its mean rate)');
  if (p.partition !== 'none') res.applied.push(`partition ${p.partition}`);
  return res;
}
