/**
 * Garbage collection of qemu-tier leftovers by name prefix (`fleetlab lab gc`): what a run that
 * was SIGKILLed (or lost power) could not tear down. Order mirrors a normal teardown:
 *
 *   processes in fl-* namespaces (qemu, dnsmasq; by PID — deleting a netns kills nothing)
 *   and the userspace WAN's socats (host ns; found by their `tun-name=fl-…` argument)
 *   ─▶ nft tables fl_* (host) ─▶ host links fl-* (veths; peers go with them) ─▶ netns fl-*
 *
 * `runPrefix(runId)` narrows to one run; the default prefix covers every fleetlab run.
 */
import { NAME_PREFIX, NFT_PREFIX, runTag } from './naming.ts';
import { readdir, readFile } from 'node:fs/promises';
import { killAndWait } from './kill.ts';
import { killNsProcesses } from './qemu-site.ts';
import { sh, trySh } from './sh.ts';

export interface GcResult {
  killed: number[];
  netns: string[];
  links: string[];
  nftTables: string[];
}

/** Name prefix of one run's resources (names are `fl-<tag>-…`, tables `fl_<tag>_…`). */
export function runPrefix(runId: string): string {
  return `${NAME_PREFIX}${runTag(runId)}-`;
}

/** What exists now under `prefix` (read-only). */
export async function listLeftovers(prefix = NAME_PREFIX): Promise<Omit<GcResult, 'killed'> & { pids: number[] }> {
  const { socats: _socats, ...found } = await scan(prefix);
  return found;
}

/** listLeftovers plus the WAN socats on their own (gc kills those by PID; the rest die with their netns). */
async function scan(prefix: string): Promise<Omit<GcResult, 'killed'> & { pids: number[]; socats: number[] }> {
  const nftPrefix = NFT_PREFIX + prefix.slice(NAME_PREFIX.length).replace(/-/g, '_');
  const netns = ((await trySh('ip', ['netns', 'list']))?.stdout ?? '')
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n.startsWith(prefix));
  const links = ((await trySh('ip', ['-o', 'link', 'show']))?.stdout ?? '')
    .split('\n')
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1] ?? '')
    .filter((n) => n.startsWith(prefix));
  const nftTables = ((await trySh('nft', ['list', 'tables']))?.stdout ?? '')
    .split('\n')
    .map((l) => /^table\s+(\S+)\s+(\S+)/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => !!m && m[2]!.startsWith(nftPrefix))
    .map((m) => `${m[1]} ${m[2]}`);
  const pids: number[] = [];
  for (const ns of netns) {
    const out = (await trySh('ip', ['netns', 'pids', ns]))?.stdout ?? '';
    pids.push(...out.split(/\s+/).filter(Boolean).map(Number));
  }
  const socats = await wanSocats(prefix);
  pids.push(...socats);
  return { netns, links, nftTables, pids, socats };
}

/** socat processes holding a TAP of ours (the userspace WAN), by their command line. */
async function wanSocats(prefix: string): Promise<number[]> {
  const out: number[] = [];
  for (const d of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(d)) continue;
    const argv = (await readFile(`/proc/${d}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (argv[0]?.endsWith('socat') && argv.some((a) => a.includes(`tun-name=${prefix}`))) out.push(Number(d));
  }
  return out;
}

export async function gcLeftovers(opts: { prefix?: string; dryRun?: boolean } = {}): Promise<GcResult> {
  const found = await scan(opts.prefix ?? NAME_PREFIX);
  if (opts.dryRun) return { killed: found.pids, netns: found.netns, links: found.links, nftTables: found.nftTables };
  const killed: number[] = [];
  for (const ns of found.netns) killed.push(...(await killNsProcesses(ns)));
  for (const pid of found.socats) {
    await killAndWait(pid, 1000);
    killed.push(pid);
  }
  for (const t of found.nftTables) await trySh('nft', ['delete', 'table', ...t.split(' ')]);
  for (const l of found.links) await trySh('ip', ['link', 'del', l]);
  for (const ns of found.netns) await sh('ip', ['netns', 'del', ns]);
  return { killed, netns: found.netns, links: found.links, nftTables: found.nftTables };
}
