/**
 * Scale benchmark (not a test): the provision scenario at 1,000 and 10,000 sim nodes, 1 MB
 * images, timeScale 0, against the reference target — all in this one process per scale.
 *
 *   npx tsx bench/scale.ts [nodes...] [--per-site N]     default: 1000 10000, 10 nodes per site
 *   npx tsx bench/scale.ts 30000 --per-site 3            the 30,000 nodes / 10,000 sites case
 *
 * Each scale runs in a fresh child process (so peak RSS is that run's) and prints wall time,
 * peak RSS (getrusage maxrss), CPU seconds (user + system), nodes ready and p50/p95 time-to-ready.
 * Target on a 2-core machine: 10,000 nodes in < 3 min and < 1.5 GiB RSS.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);

if (process.argv[2] === '--one') {
  const nodes = Number(process.argv[3]);
  const out = process.argv[4]!;
  const { runScenario } = await import('../harness/run/run-scenario.ts');
  const perSite = Number(process.argv[5] ?? 10);
  const sites = Math.ceil(nodes / perSite);
  const chunks: string[] = [];
  const sink = Object.assign(Object.create(process.stdout) as NodeJS.WriteStream, { write: (s: string) => (chunks.push(s), true), isTTY: false });
  const t0 = performance.now();
  const code = await runScenario({
    file: join(self, '../../scenarios/provision.ts'),
    params: { sites: String(sites), nodesPerSite: String(perSite), imageMB: '1', timeScale: '0', p95ReadyMs: '600000' },
    targetOptions: {},
    dryRun: false,
    json: true,
    out,
    stdout: sink,
    stderr: Object.assign(Object.create(process.stderr) as NodeJS.WriteStream, { write: () => true, isTTY: false }),
    signal: new AbortController().signal,
    abortReason: () => undefined,
  });
  const wallS = (performance.now() - t0) / 1000;
  const ru = process.resourceUsage();
  const summary = JSON.parse(chunks.join('')) as { nodes: { ready: number; total: number }; timeToReadyMs: { p50: number; p95: number }; host?: { udpDrops?: number; ownSocketDrops?: number } };
  process.stdout.write(
    JSON.stringify({ nodes, code, wallS, peakRssMiB: ru.maxRSS / 1024, cpuS: (ru.userCPUTime + ru.systemCPUTime) / 1e6, ready: summary.nodes.ready, ttrP50: summary.timeToReadyMs.p50, ttrP95: summary.timeToReadyMs.p95, sites, udpDrops: summary.host?.udpDrops, ownSocketDrops: summary.host?.ownSocketDrops }) + '\n',
  );
  process.exit(0);
} else {
  const args = process.argv.slice(2);
  const ps = args.indexOf('--per-site');
  const perSite = ps >= 0 ? args.splice(ps, 2)[1]! : '10';
  const scales = args.map(Number).filter((n) => n > 0);
  const rows: Record<string, unknown>[] = [];
  for (const n of scales.length ? scales : [1000, 10000]) {
    const out = mkdtempSync(join(tmpdir(), `fleetlab-scale-${n}-`));
    const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--one', String(n), out, perSite], { encoding: 'utf8', maxBuffer: 1 << 26 });
    rmSync(out, { recursive: true, force: true });
    if (r.status !== 0) {
      process.stderr.write(`scale ${n}: child failed (${r.status}): ${r.stderr.slice(-2000)}\n`);
      continue;
    }
    const row = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    rows.push(row);
    process.stdout.write(
      `${String(n).padStart(6)} nodes / ${row.sites} sites: wall ${Number(row.wallS).toFixed(1)} s, peak RSS ${Number(row.peakRssMiB).toFixed(0)} MiB, CPU ${Number(row.cpuS).toFixed(1)} s, ready ${row.ready}/${n}, time-to-ready p50 ${(Number(row.ttrP50) / 1000).toFixed(1)} s p95 ${(Number(row.ttrP95) / 1000).toFixed(1)} s, CPU/node ${((1000 * Number(row.cpuS)) / n).toFixed(2)} ms, host UDP drops ${row.udpDrops ?? 'n/a'} (own sockets ${row.ownSocketDrops ?? 'n/a'}) (exit ${row.code})\n`,
    );
  }
}
