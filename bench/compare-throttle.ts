/**
 * Issue 8 acceptance experiment on real runs (by hand: `npx tsx bench/compare-throttle.ts`):
 * two baseline runs of scenarios/provision.ts against the reference server, one run with the
 * server's image HTTP throttled by 30 %, then `fleetlab compare` — expected: baselines vs each
 * other no regression (noise permitting, see below), throttled run DIFFERENT for image/ready
 * times and exit 1.
 *
 * Images are large enough (16 MB at 32 Mbit/s ≈ 4 s per node) that the throttle dominates the
 * run-to-run noise of real I/O on a shared 2-core machine; with two baselines their spread is the
 * noise floor of the comparison (reports/compare-runs.ts).
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/fleetlab.js', import.meta.url));
const root = join(tmpdir(), 'fleetlab-bench-compare');
const cli = (args: string[]) =>
  new Promise<{ code: number; out: string }>((res) =>
    execFile(process.execPath, [bin, ...args], { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    ),
  );
const rate = Number(process.env.RATE_MBIT ?? 32);
const runs: [string, number][] = [['base1', rate], ['base2', rate], ['throttled', rate * 0.7]];
await rm(root, { recursive: true, force: true });
for (const [name, mbit] of runs) {
  const t0 = performance.now();
  const r = await cli(['run', 'scenarios/provision.ts', '--param', 'sites=10', '--param', 'nodesPerSite=3', '--param', 'imageMB=16', '--target-opt', `imageRateMbit=${mbit}`, '--out', join(root, name)]);
  console.log(`${name}: imageRateMbit=${mbit} exit ${r.code} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (r.code !== 0) console.log(r.out.split('\n').slice(-6).join('\n'));
}
for (const [title, dirs] of [['baseline vs baseline', ['base1', 'base2']], ['two baselines vs throttled', ['base1', 'base2', 'throttled']]] as const) {
  const r = await cli(['compare', ...dirs.map((d) => join(root, d))]);
  console.log(`\n== ${title}: exit ${r.code}\n${r.out}`);
}
await rm(root, { recursive: true, force: true });
