/**
 * Wall time of real provisioning through a fleetlab-started Ironic (by hand:
 * `npx tsx bench/ironic-provision.ts [nodes] [redfish|ipmi]`, default 20 nodes, redfish):
 * `fleetlab run scenarios/provision.ts --target ironic` with nodes spread over sites of 5,
 * then the run's step durations and time-to-ready percentiles from its JSON summary.
 *
 * Measured on this kind of machine (2 shared cores, load average ~10 from other work):
 *   20 nodes, redfish: 80.6 s wall (Ironic start ~6 s, enroll 14.6 s, provision calls 10.3 s,
 *     ready 45.8 s, p95 time-to-ready 40.5 s); ipmi: 101.5 s wall (p95 44.8 s).
 *   4 nodes: 38-50 s wall (redfish), 35-45 s (ipmi).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/fleetlab.js', import.meta.url));
const nodes = Number(process.argv[2] ?? 20);
const bmc = process.argv[3] ?? 'redfish';
const perSite = Math.min(5, nodes);
const sites = Math.ceil(nodes / perSite);
const out = await mkdtemp(join(tmpdir(), 'fleetlab-bench-ironic-'));
const t0 = performance.now();
const code = await new Promise<number>((res) =>
  execFile(
    process.execPath,
    [bin, 'run', 'scenarios/provision.ts', '--target', 'ironic', '--param', `sites=${sites}`, '--param', `nodesPerSite=${perSite}`, '--param', `bmc=${bmc}`, '--json', '--out', out],
    { timeout: 900_000, maxBuffer: 16 * 1024 * 1024, cwd: fileURLToPath(new URL('..', import.meta.url)) },
    (err) => res(err ? ((err as { code?: number }).code ?? 1) : 0),
  ),
);
const wall = (performance.now() - t0) / 1000;
const events = (await readFile(join(out, 'events.ndjson'), 'utf8'))
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { kind: string; step?: string; ms?: number });
console.log(`ironic ${bmc}: ${sites * perSite} nodes, exit ${code}, wall ${wall.toFixed(1)} s`);
for (const e of events) if (e.kind === 'step.end') console.log(`  step ${e.step}: ${((e.ms ?? 0) / 1000).toFixed(1)} s`);
const summary = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as { timeToReadyMs?: Record<string, number> };
if (summary.timeToReadyMs) console.log(`  time-to-ready ms: ${JSON.stringify(summary.timeToReadyMs)}`);
await rm(out, { recursive: true, force: true });
