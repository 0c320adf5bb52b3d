/**
 * What fleetlab is: the package version and, when it runs from a git checkout, the commit (with
 * a `+dirty` mark when the work tree has changes). Recorded in every run and printed by
 * `fleetlab --version`, so a nightly's report says which fleetlab measured it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (or installed package) root: this file sits in <root>/harness/. */
export const FLEETLAB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface FleetlabVersion {
  version: string;
  /** Short commit of the checkout fleetlab runs from; absent for an installed package. */
  commit?: string;
}

let cached: FleetlabVersion | undefined;

function gitCommit(): string | undefined {
  try {
    const opts = { cwd: FLEETLAB_ROOT, encoding: 'utf8' as const, timeout: 5_000, stdio: ['ignore', 'pipe', 'ignore'] as ('ignore' | 'pipe')[] };
    // Only a checkout whose top level is fleetlab's own root counts (not a parent repository that
    // happens to vendor an installed copy).
    const top = execFileSync('git', ['rev-parse', '--show-toplevel'], opts).trim();
    if (resolve(top) !== FLEETLAB_ROOT) return undefined;
    const sha = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], opts).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], opts).trim() !== '';
    return dirty ? `${sha}+dirty` : sha;
  } catch {
    return undefined;
  }
}

export function fleetlabVersion(): FleetlabVersion {
  if (cached) return cached;
  let version = 'unknown';
  try {
    version = (JSON.parse(readFileSync(join(FLEETLAB_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // an unreadable package.json still lets a run start; the record says 'unknown'
  }
  const commit = gitCommit();
  cached = commit ? { version, commit } : { version };
  return cached;
}

/** `0.1.0 (commit 1a2b3c4d5e6f)` */
export function describeVersion(v: FleetlabVersion = fleetlabVersion()): string {
  return v.commit ? `${v.version} (commit ${v.commit})` : v.version;
}
