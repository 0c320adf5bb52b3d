/**
 * BMC clients at fleet scale: the Redfish client and the ipmitool wrapper against N emulated BMCs
 * (default 100) with C requests in flight (default 32), each for a fixed time.
 *   - Redfish: one client (session auth, pooled keep-alive agent) per BMC, each BMC on its own
 *     per-system listener (own origin, as real BMCs are); a cycle = GET System + PATCH Boot with
 *     If-Match (the override flips Pxe/Hdd so every PATCH changes the resource).
 *   - IPMI: `ipmitool -I lanplus -C 17 chassis power status` through the wrapper, each BMC on its
 *     own 127.0.0.1 UDP port (no root needed); a process per request, so this measures spawn
 *     cost on the host as much as the BMCs.
 *
 *   npx tsx bench/bmc-clients.ts [--bmcs 100] [--inflight 32] [--seconds 10]
 *
 * Prints a table and one JSON line. Not run by tests (timing goals live here, never in tap).
 */
import { parseArgs } from '../harness/cli/parse-args.ts';
import type { BmcSystem } from '../lab/bmc/bmc-system.ts';
import { startIpmiServer } from '../lab/bmc/ipmi/ipmi-server.ts';
import { startRedfishServer } from '../lab/bmc/redfish/redfish-server.ts';
import { IpmitoolClient } from '../lab/clients/ipmi/ipmitool-client.ts';
import { RedfishClient } from '../lab/clients/redfish/redfish-client.ts';
import { RedfishSystem } from '../lab/clients/redfish/redfish-system.ts';
import { FakeMachine, fakeInventory } from '../lab/nodes/fake/fake-machine.ts';

const args = parseArgs(process.argv.slice(2), { bmcs: { type: 'string' }, inflight: { type: 'string' }, seconds: { type: 'string' } });
const N = Number(args.strings.bmcs ?? 100);
const INFLIGHT = Number(args.strings.inflight ?? 32);
const SECONDS = Number(args.strings.seconds ?? 10);
const CREDS = { username: 'admin', password: 'bench-pw' };

function systems(withRedfish: boolean): BmcSystem[] {
  return Array.from({ length: N }, (_, i) => ({
    id: `bmc-${i}`,
    machine: new FakeMachine(`bmc-${i}`, fakeInventory(i)),
    credentials: { ...CREDS },
    ...(withRedfish ? { redfish: { host: '127.0.0.1', port: 0 } } : {}),
  }));
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};
const round = (x: number) => Math.round(x * 10) / 10;

interface Result {
  ops: number;
  failures: number;
  perSec: number;
  p50Ms: number;
  p95Ms: number;
}

/** INFLIGHT workers, each taking the next BMC round-robin, until the time is up. */
async function drive(op: (i: number) => Promise<void>): Promise<Result> {
  const lat: number[] = [];
  let failures = 0;
  let next = 0;
  const end = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: INFLIGHT }, async () => {
      while (performance.now() < end) {
        const i = next++ % N;
        const s = performance.now();
        try {
          await op(i);
          lat.push(performance.now() - s);
        } catch (e) {
          failures++;
          if (failures <= 3) console.error(`failure: ${(e as Error).message}`);
        }
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  return { ops: lat.length, failures, perSec: round(lat.length / wall), p50Ms: round(pct(lat, 50)), p95Ms: round(pct(lat, 95)) };
}

async function benchRedfish(): Promise<Result> {
  const sys = systems(true);
  const srv = await startRedfishServer({ systems: sys, perSystemListeners: true, maxSessions: N + 8 });
  const clients = sys.map((s) => new RedfishClient({ url: srv.systemUrl(s.id)!, ...CREDS, auth: 'session' }));
  const rs = clients.map((c, i) => new RedfishSystem(c, sys[i]!.id));
  try {
    await Promise.all(rs.map((r) => r.uri())); // log in and resolve every system first: a cycle is GET+PATCH only
    const flip = new Array<boolean>(N).fill(false);
    return await drive(async (i) => {
      const r = rs[i]!;
      await r.bootOverride();
      flip[i] = !flip[i];
      await r.setBootOverride({ enabled: 'Continuous', target: flip[i] ? 'Pxe' : 'Hdd' });
    });
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await srv.close();
  }
}

async function benchIpmi(): Promise<Result> {
  const sys = systems(false);
  const srv = await startIpmiServer({ systems: sys, maxSessionsPerBmc: INFLIGHT });
  const clients = srv.addresses.map((a) => new IpmitoolClient({ host: a.host, port: a.port, ...CREDS, cipherSuite: 17, timeoutSec: 5, retries: 2 }));
  try {
    return await drive(async (i) => {
      await clients[i]!.powerStatus();
    });
  } finally {
    await srv.close();
  }
}

async function main() {
  const redfish = await benchRedfish();
  const ipmi = await benchIpmi();
  console.log(`BMC clients: ${N} BMCs, ${INFLIGHT} in flight, ${SECONDS} s each`);
  console.log('client                         ops   fail    ops/s   p50 ms   p95 ms');
  const row = (name: string, r: Result) =>
    console.log(`${name.padEnd(28)} ${String(r.ops).padStart(6)} ${String(r.failures).padStart(6)} ${String(r.perSec).padStart(8)} ${String(r.p50Ms).padStart(8)} ${String(r.p95Ms).padStart(8)}`);
  row('redfish GET+PATCH cycles', redfish);
  row('ipmitool power status', ipmi);
  console.log(JSON.stringify({ bench: 'bmc-clients', bmcs: N, inflight: INFLIGHT, seconds: SECONDS, redfishCycles: redfish, ipmitoolPowerStatus: ipmi }));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
