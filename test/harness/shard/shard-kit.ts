/**
 * Test kit for shards: `fleetlab serve reference` as a child process (stopped with SIGTERM at the
 * test's end), shards run with JOB_COMPLETION_INDEX set the way a Kubernetes Indexed Job sets it,
 * and the node identities a run's events record.
 */
import type { Test } from 'tap';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fleetlab, type CliResult } from '../../helpers/cli.ts';
import { readEvents } from '../../helpers/run-json.ts';

export interface Served {
  coordinator: string;
  api: string;
  /** SIGTERM, then its exit (the teardown does the same for a test that failed earlier). */
  stop(): Promise<CliResult>;
}

/** Starts `fleetlab serve reference <args>`; resolves on its ready line. */
export function serveReference(t: Test, args: string[]): Promise<Served> {
  let child: ChildProcess | undefined;
  let out = '';
  const done = fleetlab(['serve', 'reference', ...args], { timeoutMs: 600_000, onSpawn: (c) => (child = c) });
  const stop = () => {
    child?.kill('SIGTERM');
    return done;
  };
  t.teardown(stop);
  return new Promise((resolve, reject) => {
    child!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line && out.includes('\n')) resolve({ ...(JSON.parse(line) as Omit<Served, 'stop'>), stop });
    });
    done.then((r) => reject(new Error(`serve reference exited early (${r.code}): ${r.stderr}`)), reject);
  });
}

/** Shard k (0-based, as JOB_COMPLETION_INDEX) of `count`, against the coordinator's shared target. */
export function runShard(scenarioArgs: string[], k: number, count: number, coordinator: string, outDir: string, onSpawn?: (c: ChildProcess) => void): Promise<CliResult> {
  return fleetlab(['run', ...scenarioArgs, '--shard', `/${count}`, '--coordinator', coordinator, '--out', join(outDir, `shard-${k}`), '--json'], {
    env: { JOB_COMPLETION_INDEX: String(k) },
    timeoutMs: 300_000,
    ...(onSpawn ? { onSpawn } : {}),
  });
}

export interface NodeIdentity {
  node: string;
  site: string;
  profile: string;
  macs: string[];
  bmc: string;
}

/** node.info of a run directory, sorted by node name. */
export function nodeIdentities(runDir: string): NodeIdentity[] {
  return readEvents<NodeIdentity & { kind: string }>(runDir)
    .filter((e) => e.kind === 'node.info')
    .map(({ node, site, profile, macs, bmc }) => ({ node, site, profile, macs, bmc }))
    .sort((a, b) => a.node.localeCompare(b.node));
}
