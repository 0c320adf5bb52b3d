/**
 * Redfish BMC soak: does `fleetlab bmc serve` stay flat under hours of GET + reset traffic?
 *
 *   spawn `fleetlab bmc serve --systems N` ──▶ ready line (url)
 *     ├─ wrk (Debian): GET /redfish/v1/Systems/fake-{i}, rotating over all N systems
 *     ├─ node loop:    POST …/Actions/ComputerSystem.Reset PowerCycle, rotating, C in flight
 *     └─ every S s:    VmRSS of the server process (/proc/PID/status)
 *   after the warm-up: growth % = (final RSS − warm-up RSS) / warm-up RSS, each the median of
 *   5 samples (RSS saw-tooths with the GC; the first 5 after warm-up vs the last 5)
 *
 * Issue 19's goal: ≤ 100 MB RSS at 1,000 systems and < 5 % growth after warm-up over 10 minutes.
 * usage: npx tsx bench/redfish-soak.ts [--systems 1000] [--duration 600] [--warmup 60]
 *          [--sample 5] [--connections 16] [--resetters 8]
 * Prints one JSON line (and a summary on stderr). Timing goals live here, never in tests.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const AUTH = 'Basic ' + Buffer.from('admin:password').toString('base64');
const root = fileURLToPath(new URL('../', import.meta.url));

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name}: expected a positive number`);
  return v;
}

/** Start the real CLI and wait for its ready line. */
async function serve(systems: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['bin/fleetlab.js', 'bmc', 'serve', '--systems', String(systems)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bmc serve exited ${code} before ready`)));
  });
  return { child, url: (JSON.parse(line) as { redfish: { url: string } }).redfish.url };
}

async function rssMiB(pid: number): Promise<number> {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return Math.round((kb / 1024) * 10) / 10;
}

/** POST PowerCycle (valid in any power state) round the systems until `until`; counts answers. */
async function resetLoop(url: string, systems: number, inFlight: number, until: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: inFlight });
  const body = '{"ResetType":"PowerCycle"}';
  const counts = { ok: 0, other: 0, errors: 0 };
  const post = (id: number) =>
    new Promise<void>((resolve) => {
      const path = `/redfish/v1/Systems/fake-${id}/Actions/ComputerSystem.Reset`;
      const req = request(url + path, { method: 'POST', agent, headers: { Authorization: AUTH, 'Content-Type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 204) counts.ok++;
          else counts.other++;
          resolve();
        });
      });
      req.on('error', () => {
        counts.errors++;
        resolve();
      });
      req.end(body);
    });
  let next = 0;
  const worker = async () => {
    while (Date.now() < until) await post((next = (next + 7919) % systems));
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  agent.destroy();
  return counts;
}

/** wrk GETs over every system for `seconds`; returns requests/s and the non-2xx count. */
async function wrkGets(url: string, systems: number, seconds: number, connections: number, dir: string, procs: Set<ChildProcess>) {
  const lua = join(dir, 'soak.lua');
  await writeFile(lua, `local i = 0\nrequest = function()\n  i = (i + 7919) % ${systems}\n  return wrk.format("GET", "/redfish/v1/Systems/fake-" .. i, {["Authorization"] = "${AUTH}"})\nend\n`);
  const out = await new Promise<string>((resolve, reject) => {
    const wrk = execFile('wrk', ['-t', '1', '-c', String(connections), '-d', `${seconds}s`, '-s', lua, url], (err, stdout) => {
      procs.delete(wrk);
      if (err) reject(err);
      else resolve(stdout);
    });
    procs.add(wrk);
  });
  return { getPerSec: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]), getNon2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0) };
}

/** Samples per median (warm-up and final RSS). */
const WINDOW = 5;

function median(xs: { rssMiB: number }[]): number {
  const v = xs.map((x) => x.rssMiB).sort((a, b) => a - b);
  return v.length === 0 ? NaN : v[Math.floor(v.length / 2)]!;
}

async function soak() {
  const systems = arg('systems', 1000);
  const duration = arg('duration', 600);
  const warmup = Math.min(arg('warmup', 60), duration / 2);
  const sampleS = arg('sample', 5);
  const procs = new Set<ChildProcess>();
  const dir = await mkdtemp(join(tmpdir(), 'fleetlab-soak-'));
  const stopAll = () => procs.forEach((p) => p.exitCode === null && p.kill('SIGTERM'));
  process.once('SIGINT', stopAll).once('SIGTERM', stopAll);
  const { child, url } = await serve(systems);
  procs.add(child);
  try {
    const pid = child.pid!;
    const samples: { s: number; rssMiB: number }[] = [];
    const t0 = Date.now();
    const sampler = setInterval(() => void rssMiB(pid).then((r) => samples.push({ s: Math.round((Date.now() - t0) / 1000), rssMiB: r }), () => undefined), sampleS * 1000);
    samples.push({ s: 0, rssMiB: await rssMiB(pid) });
    const [gets, resets] = await Promise.all([
      wrkGets(url, systems, duration, arg('connections', 16), dir, procs),
      resetLoop(url, systems, arg('resetters', 8), t0 + duration * 1000),
    ]);
    clearInterval(sampler);
    samples.push({ s: Math.round((Date.now() - t0) / 1000), rssMiB: await rssMiB(pid) });
    // RSS saw-tooths with the GC: compare medians of WINDOW samples, not two single points.
    const after = samples.filter((x) => x.s >= warmup);
    const warm = median(after.slice(0, WINDOW));
    const final = median(after.slice(-WINDOW));
    const peak = Math.max(...samples.map((x) => x.rssMiB));
    const growthPct = Math.round(((final - warm) / warm) * 1000) / 10;
    const result = { bench: 'redfish-soak', systems, durationS: duration, warmupS: warmup, startRssMiB: samples[0]!.rssMiB, warmupRssMiB: warm, finalRssMiB: final, peakRssMiB: peak, growthPct, ...gets, resets, samples };
    process.stdout.write(JSON.stringify(result) + '\n');
    process.stderr.write(
      `${systems} systems, ${duration} s: RSS start ${result.startRssMiB} MiB, after ${warmup} s warm-up ${warm} MiB, final ${final} MiB, peak ${peak} MiB, growth ${growthPct} %; ` +
        `GET ${gets.getPerSec}/s (non-2xx ${gets.getNon2xx}), resets ${resets.ok} ok / ${resets.other} other / ${resets.errors} errors\n`,
    );
  } finally {
    stopAll();
    await rm(dir, { recursive: true, force: true });
  }
}

await soak();
