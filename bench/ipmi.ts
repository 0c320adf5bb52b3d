/**
 * IPMI emulator at scale: N BMCs (default 10,000) in one process, each on its own loopback
 * address at UDP 623 (127.32.x.y — binding 623 needs root), then:
 *   - RSS and bind time for N idle BMCs, and RSS once every BMC has state (one pre-session
 *     request each),
 *   - latency of `ipmitool -I lanplus -C 17 power status` against random BMCs vs the floor of
 *     `ipmitool -V` (process start, no network) and of `ipmitool -I open power status` (start +
 *     the IANA enterprise-numbers parse every ipmitool command does, failing at /dev/ipmi0),
 *     plus the server's own time per run (sum of bmc.request `ms`),
 *   - throughput of concurrent ipmitool runs across different BMCs.
 *
 *   npx tsx bench/ipmi.ts [--bmcs 10000] [--samples 30] [--parallel 4] [--port 623]
 *
 * Prints a table and one JSON line. Not run by tests (timing goals live here, never in tap).
 */
import dgram from 'node:dgram';
import { execFile } from 'node:child_process';
import { startIpmiServer } from '../lab/bmc/ipmi/ipmi-server.ts';
import type { BmcSystem } from '../lab/bmc/bmc-system.ts';
import { FakeMachine, fakeInventory } from '../lab/nodes/fake/fake-machine.ts';
import { buildIpmiRequest } from '../lab/bmc/ipmi/ipmi-message.ts';
import { buildV15 } from '../lab/bmc/ipmi/rmcp-packet.ts';
import { parseArgs } from '../harness/cli/parse-args.ts';

const args = parseArgs(process.argv.slice(2), {
  bmcs: { type: 'string' },
  samples: { type: 'string' },
  parallel: { type: 'string' },
  port: { type: 'string' },
});
const N = Number(args.strings.bmcs ?? 10_000);
const SAMPLES = Number(args.strings.samples ?? 30);
const PARALLEL = Number(args.strings.parallel ?? 4);
const PORT = Number(args.strings.port ?? 623);

/** 127.32.0.1 … : 250 hosts per /24 so no address ends in .0 or .255. */
function addressOf(i: number): string {
  return `127.32.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}

const mb = (b: number) => Math.round(b / 1048576);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const round = (x: number) => Math.round(x * 10) / 10;

function timed(cmd: string, argv: string[]): Promise<{ ms: number; ok: boolean; out: string }> {
  const t0 = performance.now();
  return new Promise((resolve) =>
    execFile(cmd, argv, { timeout: 20_000 }, (err, stdout) => resolve({ ms: performance.now() - t0, ok: !err, out: String(stdout) })),
  );
}

async function main() {
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const systems: BmcSystem[] = Array.from({ length: N }, (_, i) => {
    const id = `bench-${i}`;
    return { id, machine: new FakeMachine(id, fakeInventory(i)), credentials: { username: 'admin', password: 'password' }, ipmi: { host: addressOf(i), port: PORT } };
  });
  const rssSystems = process.memoryUsage().rss;
  const tb = performance.now();
  let serverMs = 0;
  let requests = 0;
  const srv = await startIpmiServer({
    systems,
    events: {
      emit(e) {
        if (e.kind !== 'bmc.request') return;
        serverMs += e.ms;
        requests++;
      },
    },
  });
  const bindMs = performance.now() - tb;
  const rssBound = process.memoryUsage().rss;

  // Touch every BMC once (Get Channel Auth Caps, pre-session) so each has its lazy state.
  const probe = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
  let answers = 0;
  probe.on('message', () => answers++);
  const pkt = buildV15(buildIpmiRequest(0x06, 0x38, [0x8e, 0x04]));
  for (let i = 0; i < N; i += 16) {
    for (let k = i; k < Math.min(N, i + 16); k++) probe.send(pkt, PORT, addressOf(k));
    await new Promise((r) => setImmediate(r));
  }
  const deadline = performance.now() + 5000;
  while (answers < N && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  probe.close();
  const rssTouched = process.memoryUsage().rss;

  const floor: number[] = [];
  for (let i = 0; i < SAMPLES; i++) floor.push((await timed('ipmitool', ['-V'])).ms);
  const floorOpen: number[] = [];
  for (let i = 0; i < SAMPLES; i++) floorOpen.push((await timed('ipmitool', ['-I', 'open', 'power', 'status'])).ms);
  serverMs = 0;
  requests = 0;

  const ipmi = (i: number, suite: string) =>
    timed('ipmitool', ['-I', 'lanplus', '-C', suite, '-H', addressOf(i), '-p', String(PORT), '-U', 'admin', '-P', 'password', 'power', 'status']);
  const lat: Record<string, number[]> = { '17': [], '3': [] };
  let failures = 0;
  for (const suite of ['17', '3']) {
    for (let s = 0; s < SAMPLES; s++) {
      const r = await ipmi(Math.floor(Math.random() * N), suite);
      if (!r.ok || !/Chassis Power is off/.test(r.out)) failures++;
      lat[suite]!.push(r.ms);
    }
  }

  const serverMsPerRun = serverMs / (2 * SAMPLES);
  const requestsPerRun = requests / (2 * SAMPLES);
  const RUNS = SAMPLES * 4;
  let next = 0;
  const tp = performance.now();
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < RUNS) {
        const i = next++;
        const r = await ipmi((i * 7919) % N, '17');
        if (!r.ok) failures++;
      }
    }),
  );
  const perSec = RUNS / ((performance.now() - tp) / 1000);
  await srv.close();

  const result = {
    bmcs: N,
    port: PORT,
    bindMs: Math.round(bindMs),
    rssMB: { base: mb(rss0), withMachines: mb(rssSystems), bound: mb(rssBound), allTouched: mb(rssTouched) },
    bytesPerBmc: { socket: Math.round((rssBound - rssSystems) / N), state: Math.round((rssTouched - rssBound) / N) },
    touchedAnswers: answers,
    ipmitoolVersionMs: { p50: round(pct(floor, 50)), p90: round(pct(floor, 90)) },
    ipmitoolOpenNoDeviceMs: { p50: round(pct(floorOpen, 50)), p90: round(pct(floorOpen, 90)) },
    serverPerRun: { requests: round(requestsPerRun), ms: Math.round(serverMsPerRun * 100) / 100 },
    powerStatusC17Ms: { p50: round(pct(lat['17']!, 50)), p90: round(pct(lat['17']!, 90)) },
    powerStatusC3Ms: { p50: round(pct(lat['3']!, 50)), p90: round(pct(lat['3']!, 90)) },
    concurrent: { parallel: PARALLEL, runs: RUNS, powerStatusPerSec: round(perSec) },
    failures,
  };
  console.log(`BMCs                       ${N} on 127.32.x.y:${PORT}, bound in ${result.bindMs} ms`);
  console.log(`RSS                        base ${result.rssMB.base} MB, +machines ${result.rssMB.withMachines} MB, bound ${result.rssMB.bound} MB, all touched ${result.rssMB.allTouched} MB`);
  console.log(`per BMC                    socket ≈ ${result.bytesPerBmc.socket} B, lazy state ≈ ${result.bytesPerBmc.state} B (${answers}/${N} answered)`);
  console.log(`ipmitool -V (floor)        p50 ${result.ipmitoolVersionMs.p50} ms, p90 ${result.ipmitoolVersionMs.p90} ms`);
  console.log(`ipmitool -I open (floor 2)   p50 ${result.ipmitoolOpenNoDeviceMs.p50} ms, p90 ${result.ipmitoolOpenNoDeviceMs.p90} ms (start + enterprise-numbers parse)`);
  console.log(`power status -C 17         p50 ${result.powerStatusC17Ms.p50} ms, p90 ${result.powerStatusC17Ms.p90} ms`);
  console.log(`power status -C 3          p50 ${result.powerStatusC3Ms.p50} ms, p90 ${result.powerStatusC3Ms.p90} ms`);
  console.log(`server time per run         ${result.serverPerRun.ms} ms over ${result.serverPerRun.requests} requests`);
  console.log(`concurrent (${PARALLEL} at a time)    ${result.concurrent.powerStatusPerSec} ipmitool power status/s; failures ${failures}`);
  console.log(JSON.stringify(result));
}

await main();
