/**
 * Bench (issue 18): what saturation sampling and threshold evaluation cost at 10,000 nodes.
 *
 *   npx tsx bench/nightly-overhead.ts [nodes=10000] [runSeconds=60]
 *
 * Thresholds: a 10,000-node provisioning log (fixtures/reports/synthetic-log.ts, ~the events a
 * real run of that size logs) is pushed through the live feed the runner keeps when a run has
 * thresholds (harness/run/threshold-watch.ts), with an abortOnFail threshold so the watch also
 * snapshots and evaluates every 2 s; figures: push cost per event, one snapshot+evaluate, the final
 * evaluation, and the share of one core that is over a run of `runSeconds`.
 * Sampling: one host sample (event-loop histogram + /proc/self/schedstat + /proc/loadavg + an
 * event), timed over many ticks, × the 10 ticks/s a compressed run takes (host-sampler.ts).
 */
import { performance } from 'node:perf_hooks';
import { syntheticEvents } from '../fixtures/reports/synthetic-log.ts';
import { MAX_CHECK_SHARE, ThresholdWatch } from '../harness/run/threshold-watch.ts';
import { parseThresholds } from '../harness/run/threshold-spec.ts';
import { Problems } from '../lab/base/problem.ts';
import { startHostSampler } from '../harness/run/host-sampler.ts';
import type { FleetEvent } from '../lab/base/event.ts';

const nodes = Number(process.argv[2] ?? 10_000);
const runSeconds = Number(process.argv[3] ?? 60);

// 0. Host sampling, before anything else allocates: one tick's cost, timed over many ticks at the finest interval.
const sampled: FleetEvent[] = [];
const ticks = 50;
const cpu0 = process.cpuUsage();
const sampler = startHostSampler({ emit: (b: unknown) => sampled.push(b as FleetEvent) } as never, 100);
await new Promise((r) => setTimeout(r, ticks * 100 + 50));
sampler.stop();
const cpu = process.cpuUsage(cpu0);
const perTickMs = (cpu.user + cpu.system) / 1000 / Math.max(1, sampled.length);
console.log(`host sampling: ${sampled.length} ticks, ${perTickMs.toFixed(3)} ms CPU per tick (process total over the wait, an upper bound) → ${((perTickMs * 10) / 10).toFixed(2)} % of one core at 10 ticks/s`);

const events = syntheticEvents({ nodes, seed: 1 });
const problems = new Problems();
const thresholds = parseThresholds(
  {
    'ready.ratio': { threshold: '>= 0.999', abortOnFail: true },
    'phase.tftp.p95': '< 2s',
    'ttr.p50': '< 10m',
    'site[link=dsl].ttr.p50': '< 5m',
  },
  problems,
);
if (problems.list.length) throw new Error(JSON.stringify(problems.list));

// 1. Push every event through the feed, as the live watch does during the run.
const watch = new ThresholdWatch(thresholds, new Map(), () => {}, () => 0);
let t0 = performance.now();
for (const e of events) watch.onEvent(e);
const pushMs = performance.now() - t0;

// 2. Live abortOnFail checks (a snapshot of the feed + evaluation), as every 2 s during the run.
const checks = 5;
t0 = performance.now();
for (let i = 0; i < checks; i++) watch.check();
const checkMs = (performance.now() - t0) / checks;

// 3. The final evaluation at the end of the run.
const emitted: unknown[] = [];
t0 = performance.now();
watch.finish({ emit: (b: unknown) => emitted.push(b) } as never);
const finishMs = performance.now() - t0;

// The watch spaces its checks to ≤ MAX_CHECK_SHARE of the run (every max(2 s, 20 × a check)).
const everyMs = Math.max(2000, checkMs / MAX_CHECK_SHARE);
const liveShare = (pushMs + checkMs * ((runSeconds * 1000) / everyMs) + finishMs) / (runSeconds * 1000);
console.log(`thresholds at ${nodes} nodes (${events.length} events, ${thresholds.length} thresholds, one abortOnFail):`);
console.log(`  push      ${pushMs.toFixed(0)} ms total, ${((pushMs / events.length) * 1000).toFixed(2)} µs/event`);
console.log(`  check     ${checkMs.toFixed(1)} ms per live snapshot+evaluate, one every ${(everyMs / 1000).toFixed(1)} s`);
console.log(`  finish    ${finishMs.toFixed(1)} ms`);
console.log(`  overhead  ${(liveShare * 100).toFixed(2)} % of one core over a ${runSeconds} s run`);

