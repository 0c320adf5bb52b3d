/**
 * Redfish emulator throughput and footprint.
 *
 *   1. GET /redfish/v1/Systems/{id} over 1,000 systems with wrk (Debian): req/s and p50/p99.
 *      The server runs in this process; wrk rotates through the ids with Basic auth.
 *   2. RSS of a fresh process serving 10,000 systems: after start, and after every system was
 *      read once and had its boot override PATCHed (the lazy per-system state then exists).
 *
 * usage: npx tsx bench/redfish.ts [--systems 1000] [--duration 5] [--connections 32] [--rss-systems 10000]
 * Prints one JSON line. Timing goals live here, never in tests.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startRedfishServer } from '../lab/bmc/redfish/redfish-server.ts';
import type { BmcSystem } from '../lab/bmc/bmc-system.ts';
import { FakeMachine, fakeInventory, fakeSystemId } from '../lab/nodes/fake/fake-machine.ts';

const run = promisify(execFile);
const AUTH = 'Basic ' + Buffer.from('admin:password').toString('base64');

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

function makeSystems(n: number): BmcSystem[] {
  return Array.from({ length: n }, (_, i) => {
    const id = fakeSystemId(i);
    return { id, machine: new FakeMachine(id, fakeInventory(i)), credentials: { username: 'admin', password: 'password' } };
  });
}

/** wrk latency lines look like "     99%    3.21ms"; convert to ms. */
function ms(v: string, unit: string): number {
  const n = Number(v);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : n;
}

async function throughput(systems: number, duration: number, connections: number) {
  const srv = await startRedfishServer({ systems: makeSystems(systems) });
  const dir = await mkdtemp(join(tmpdir(), 'fleetlab-bench-'));
  try {
    const lua = join(dir, 'systems.lua');
    await writeFile(
      lua,
      `local n = ${systems}\nlocal i = 0\nrequest = function()\n  i = (i + 7919) % n\n  return wrk.format("GET", "/redfish/v1/Systems/fake-" .. i, {["Authorization"] = "${AUTH}"})\nend\n`,
    );
    // wrk runs outside this process; the event loop stays free to serve while we await it.
    const r = await run('wrk', ['-t', '2', '-c', String(connections), '-d', `${duration}s`, '--latency', '-s', lua, srv.url]);
    const out = r.stdout;
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
    const lat = (p: string) => {
      const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
      return m ? ms(m[1]!, m[2]!) : NaN;
    };
    const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
    return { systems, durationS: duration, connections, reqPerSec: rps, p50Ms: lat('50'), p99Ms: lat('99'), non2xx };
  } finally {
    await rm(dir, { recursive: true, force: true });
    await srv.close();
  }
}

/** Child mode: serve N systems, touch each once, report RSS (MiB) at each step. */
async function rssChild(n: number) {
  const mib = () => Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10;
  global.gc?.();
  const base = mib();
  const systems = makeSystems(n);
  const srv = await startRedfishServer({ systems });
  global.gc?.();
  const started = mib();
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const call = (method: string, path: string, body?: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request(srv.url + path, { method, agent, headers: { Authorization: AUTH, 'Content-Type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(body);
    });
  let bad = 0;
  for (let i = 0; i < n; i += 32) {
    const batch = [];
    for (let k = i; k < Math.min(n, i + 32); k++) {
      batch.push(call('GET', `/redfish/v1/Systems/fake-${k}`).then((s) => s === 200 || bad++));
      batch.push(call('PATCH', `/redfish/v1/Systems/fake-${k}`, '{"Boot":{"BootSourceOverrideTarget":"Pxe","BootSourceOverrideEnabled":"Once"},"AssetTag":"bench"}').then((s) => s === 200 || bad++));
    }
    await Promise.all(batch);
  }
  global.gc?.();
  const touched = mib();
  agent.destroy();
  await srv.close();
  process.stdout.write(JSON.stringify({ systems: n, rssBaseMiB: base, rssServingMiB: started, rssAfterTouchAllMiB: touched, failed: bad }) + '\n');
}

async function rss(n: number) {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', self, '--rss-child', String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`rss child exited ${code}`);
  return JSON.parse(out.trim()) as Record<string, number>;
}

if (process.argv.includes('--rss-child')) {
  await rssChild(arg('rss-child', 10_000));
} else {
  const tp = await throughput(arg('systems', 1000), arg('duration', 5), arg('connections', 32));
  const mem = await rss(arg('rss-systems', 10_000));
  process.stdout.write(JSON.stringify({ bench: 'redfish', get: tp, rss: mem }) + '\n');
}
