/**
 * Who owns a qemu-tier run's host resources (netns `fl-<tag>-s<i>`, links `fl-<tag>-…`, nft
 * tables `fl_<tag>_…`): one record per run tag in the host lock dir, `run-<tag>.owner`, holding
 * the owner's pid and its kernel start time (so a recycled pid is not mistaken for the owner).
 *
 *   startQemuTier ─▶ gcDeadRuns()         leftovers whose owner is gone ─▶ gcLeftovers(fl-<tag>-)
 *                 ─▶ claimRunTag(runId)  O_EXCL record; tag taken (same run id, same second)? next tag
 *   close / exit  ─▶ release()            record removed
 *
 * Leftovers without a record (a run of an older fleetlab, or one that is starting right now
 * elsewhere) are never touched here: `fleetlab lab gc` removes those on request.
 */
import { closeSync, openSync, readFileSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { hostLockDir, pidAlive } from '../../base/host-lock.ts';
import { gcLeftovers, listLeftovers } from './gc.ts';
import { NAME_PREFIX, NFT_PREFIX, runTag } from './naming.ts';

export interface RunOwner {
  readonly tag: string;
  readonly path: string;
  release(): void;
}

interface OwnerRecord {
  pid: number;
  start: string | null;
  runId: string;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); null if unreadable. */
function procStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function ownerPath(tag: string): string {
  return join(hostLockDir(), `run-${tag}.owner`);
}

function readOwner(path: string): OwnerRecord | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as OwnerRecord;
  } catch {
    return null; // being written, or removed meanwhile
  }
}

/** The owner process still runs (same pid and same start time). */
function ownerAlive(r: OwnerRecord): boolean {
  if (!pidAlive(r.pid)) return false;
  const start = procStart(r.pid);
  return r.start === null || start === null || start === r.start;
}

/** Record this process as the owner of a tag for `runId` (call gcDeadRuns first); a taken tag is skipped. */
export function claimRunTag(runId: string): RunOwner {
  for (let k = 0; k < 100; k++) {
    const tag = runTag(k === 0 ? runId : `${runId}#${k}`);
    const path = ownerPath(tag);
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, start: procStart(process.pid), runId } satisfies OwnerRecord));
      closeSync(fd);
      let released = false;
      return {
        tag,
        path,
        release() {
          if (released) return;
          released = true;
          try {
            unlinkSync(path);
          } catch {
            /* already gone */
          }
        },
      };
    } catch (e) {
      // Taken (same run id in the same second, or a dead run gcDeadRuns left to `lab gc`): next tag.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  throw new Error(`no free qemu run tag for ${runId}`);
}

/**
 * Name prefixes of one run's resources: its default tag and any other tag its owner records
 * name (a run whose id another live run held got `runTag(runId#k)`; see claimRunTag).
 */
export function runPrefixes(runId: string): string[] {
  const tags = new Set([runTag(runId)]);
  const dir = hostLockDir();
  for (const f of readdirSync(dir)) {
    const m = /^run-(.+)\.owner$/.exec(f);
    if (m && readOwner(join(dir, f))?.runId === runId) tags.add(m[1]!);
  }
  return [...tags].map((t) => `${NAME_PREFIX}${t}-`);
}

/** Tags of everything fleetlab-named on this host (netns, links, nft tables). */
function leftoverTags(found: { netns: string[]; links: string[]; nftTables: string[] }): Set<string> {
  const tags = new Set<string>();
  for (const n of [...found.netns, ...found.links]) if (n.startsWith(NAME_PREFIX)) tags.add(n.slice(NAME_PREFIX.length).split('-')[0]!);
  for (const t of found.nftTables) {
    const name = t.split(' ')[1] ?? '';
    if (name.startsWith(NFT_PREFIX)) tags.add(name.slice(NFT_PREFIX.length).split('_')[0]!);
  }
  return tags;
}

export interface DeadRunGc {
  /** Tags whose owner was gone: leftovers removed. */
  removed: string[];
  /** Tags with a live owner, or with no record (not ours to judge): untouched. */
  kept: string[];
}

/** Remove the leftovers of runs whose owner process is gone (what a starting run calls). */
export async function gcDeadRuns(): Promise<DeadRunGc> {
  const out: DeadRunGc = { removed: [], kept: [] };
  const dir = hostLockDir();
  const records = new Map<string, OwnerRecord | null>();
  for (const f of readdirSync(dir)) {
    const m = /^run-(.+)\.owner$/.exec(f);
    if (m) records.set(m[1]!, readOwner(join(dir, f)));
  }
  for (const tag of leftoverTags(await listLeftovers())) if (!records.has(tag)) out.kept.push(tag);
  for (const [tag, r] of records) {
    if (!r || ownerAlive(r)) {
      out.kept.push(tag);
      continue;
    }
    await gcLeftovers({ prefix: `${NAME_PREFIX}${tag}-` });
    try {
      unlinkSync(join(dir, `run-${tag}.owner`));
    } catch {
      /* another starting run removed it */
    }
    out.removed.push(tag);
  }
  return out;
}
