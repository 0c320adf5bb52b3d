/**
 * Calibration bench (issue 6): the same provision scenario and link profile on 2 qemu VMs and
 * on 2 sim nodes whose hardware profile carries the qemu tier's measured timings; prints the
 * per-phase medians and the sim/qemu ratio. Network-bound phases (dhcp, script, kernel, image,
 * callback) should agree within ±15 %; the others are modelled constants (QEMU_TCG_PROFILE).
 *
 *   npx tsx bench/fidelity.ts [--down 10mbit] [--imageMB 16] [--nodes 2]
 *
 *   scenarios/provision.ts (+ profile qemu-tcg) ──sim run──▶ run.json ─┐
 *                                              ──qemu run─▶ run.json ─┴─▶ phase table + ratios
 *
 * Needs root + qemu (like the qemu tier). Takes ~2–4 minutes on 2 cores.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBootPayload } from '../fixtures/boot/build.ts';
import { NODE_PHASES } from '../lab/events/event.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const down = arg('down', '10mbit');
const imageMB = Number(arg('imageMB', '16'));
const nodes = Number(arg('nodes', '2'));

/** Non-network timings of a TCG VM on this class of machine (2 cores), measured with the qemu tier. */
const QEMU_TCG_PROFILE = {
  name: 'qemu-tcg',
  vendor: 'QEMU',
  model: 'Standard PC (i440FX + PIIX, 1996)',
  firmware: 'bios',
  nics: 1,
  nicSpeedMbps: 1000,
  memoryGiB: 1,
  timings: {
    postMs: { triangular: [2000, 2700, 3500] },
    kernelBootMs: { triangular: [15000, 22000, 30000] },
    diskWriteMBps: { triangular: [40, 60, 80] },
    rebootMs: { triangular: [800, 1000, 1500] },
    diskBootMs: { triangular: [22000, 30000, 38000] },
    shutdownMs: { triangular: [500, 1000, 2000] },
  },
};

interface RunJson {
  status: string;
  durationMs: number;
  nodes: { name: string; outcome: string; phases: Record<string, number> }[];
}

function scenarioFile(dir: string): string {
  const file = join(dir, 'provision-fidelity.mts');
  writeFileSync(
    file,
    `import base from ${JSON.stringify(join(ROOT, 'scenarios', 'provision.ts'))};\n` +
      `export default { ...base, lab: (p: Record<string, string | number | boolean>) => ({ ...(base.lab as (p: unknown) => object)(p), profiles: [${JSON.stringify(QEMU_TCG_PROFILE)}], addressing: { bmcBase: 173 } }) };\n`,
  );
  return file;
}

function run(tier: 'sim' | 'qemu', file: string, out: string, payload: { vmlinuz: number; initrd: number }): RunJson {
  const args = [
    join(ROOT, 'bin', 'fleetlab.js'), 'run', file,
    '--param', `tier=${tier}`, '--param', 'sites=1', '--param', `nodesPerSite=${nodes}`, '--param', `imageMB=${imageMB}`,
    '--param', `down=${down}`, '--param', 'timeScale=1', '--param', 'profile=qemu-tcg', '--param', 'p95ReadyMs=900000',
    // The sim fetches kernel/initrd of the real payload's sizes, so the kernel phase moves the same bytes.
    '--target-opt', `kernelBytes=${payload.vmlinuz}`, '--target-opt', `initrdBytes=${payload.initrd}`,
    '--out', out,
  ];
  const t0 = Date.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 1_200_000 });
  process.stderr.write(`fidelity: ${tier} run exit ${r.status} in ${((Date.now() - t0) / 1000).toFixed(1)} s (${out})\n`);
  if (r.status !== 0) process.stderr.write(r.stderr.slice(-3000) + '\n');
  return JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunJson;
}

/** Phase durations of one node: next phase start − this phase start (the last phase has none). */
function durations(phases: Record<string, number>): Map<string, number> {
  const seq = NODE_PHASES.filter((p) => phases[p] !== undefined).map((p) => [p, phases[p]!] as const);
  const out = new Map<string, number>();
  for (let i = 0; i + 1 < seq.length; i++) out.set(seq[i]![0], seq[i + 1]![1] - seq[i]![1]);
  return out;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : NaN;
};

const NETWORK_BOUND = new Set(['dhcp', 'script', 'kernel', 'image', 'callback']);

async function main() {
  const p = await ensureBootPayload();
  const sizes = { vmlinuz: p.manifest.files.vmlinuz!.bytes, initrd: p.manifest.files['initrd.img']!.bytes };
  const dir = mkdtempSync(join(tmpdir(), 'fl-fidelity-'));
  const file = scenarioFile(dir);
  const sim = run('sim', file, join(dir, 'sim'), sizes);
  const qemu = run('qemu', file, join(dir, 'qemu'), sizes);
  const per = (r: RunJson) => {
    const m = new Map<string, number[]>();
    for (const n of r.nodes) for (const [ph, ms] of durations(n.phases)) m.set(ph, [...(m.get(ph) ?? []), ms]);
    return m;
  };
  const s = per(sim);
  const q = per(qemu);
  const lines = [`fidelity: link down=${down}, image ${imageMB} MB, ${nodes} nodes; sim ${sim.status}, qemu ${qemu.status}`, '', '| phase | sim median | qemu median | sim/qemu | network-bound | within ±15 % |', '|---|---:|---:|---:|:-:|:-:|'];
  for (const ph of NODE_PHASES) {
    const a = median(s.get(ph) ?? []);
    const b = median(q.get(ph) ?? []);
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    const ratio = a / b;
    const net = NETWORK_BOUND.has(ph);
    const fmt = (ms: number) => (Number.isNaN(ms) ? '—' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
    lines.push(`| ${ph} | ${fmt(a)} | ${fmt(b)} | ${Number.isFinite(ratio) ? ratio.toFixed(2) : '—'} | ${net ? 'yes' : ''} | ${net && Number.isFinite(ratio) ? (Math.abs(ratio - 1) <= 0.15 ? 'yes' : 'NO') : ''} |`);
  }
  lines.push('', `time-to-ready: sim ${(sim.durationMs / 1000).toFixed(1)} s run, qemu ${(qemu.durationMs / 1000).toFixed(1)} s run`);
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`fidelity: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
