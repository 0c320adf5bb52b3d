/**
 * Calibration bench (issue 6): the same provision scenario and link profile on 2 qemu VMs and
 * on 2 sim nodes of the same hardware (the built-in profile qemu-pc: iPXE NIC ROM, and the qemu
 * tier's measured timings); prints the per-phase medians and the sim/qemu ratio. Network-bound
 * phases (dhcp, script, kernel, image, callback) should agree within ±15 %; the others are the
 * profile's modelled timings. Both tiers' WAN is the same link model (qemu: the userspace WAN).
 *
 *   npx tsx bench/fidelity.ts [--down 10mbit] [--imageMB 16] [--nodes 2]
 *
 *   scenarios/provision.ts (+ profile qemu-pc) ──sim run──▶ run.json ─┐
 *                                              ──qemu run─▶ run.json ─┴─▶ phase table + ratios
 *
 * Needs root + qemu (like the qemu tier). Takes ~2–4 minutes on 2 cores.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBootPayload } from '../lab/nodes/qemu/boot-payload/build.ts';
import { NODE_PHASES } from '../lab/base/event.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const down = arg('down', '10mbit');
const imageMB = Number(arg('imageMB', '16'));
const nodes = Number(arg('nodes', '2'));

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
      `export default { ...base, lab: (p: Record<string, string | number | boolean>) => ({ ...(base.lab as (p: unknown) => object)(p), addressing: { bmcBase: 173 } }) };\n`,
  );
  return file;
}

function run(tier: 'sim' | 'qemu', file: string, out: string, payload: { vmlinuz: number; initrd: number }): RunJson {
  const args = [
    join(ROOT, 'bin', 'fleetlab.js'), 'run', file,
    '--param', `tier=${tier}`, '--param', 'sites=1', '--param', `nodesPerSite=${nodes}`, '--param', `imageMB=${imageMB}`,
    '--param', `down=${down}`, '--param', 'timeScale=1', '--param', 'profile=qemu-pc', '--param', 'p95ReadyMs=900000',
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
  // The installer's own split of the qemu image phase (FLEETLAB-IMAGE on each VM's serial console).
  const split = { download_ms: [] as number[], verify_ms: [] as number[], write_ms: [] as number[] };
  for (const n of qemu.nodes) {
    const site = n.name.replace(/-n\d+$/, '');
    const serial = readFileSync(join(dir, 'qemu', 'qemu', site, n.name, 'serial.log'), 'latin1');
    const m = /FLEETLAB-IMAGE .*?download_ms=(\d+) verify_ms=(\d+) write_ms=(\d+)/.exec(serial);
    if (m) (['download_ms', 'verify_ms', 'write_ms'] as const).forEach((k, i) => split[k].push(Number(m[i + 1])));
  }
  lines.push('', `qemu image phase, medians: download ${(median(split.download_ms) / 1000).toFixed(2)} s, verify ${(median(split.verify_ms) / 1000).toFixed(2)} s, write ${(median(split.write_ms) / 1000).toFixed(2)} s`);
  lines.push('', `time-to-ready: sim ${(sim.durationMs / 1000).toFixed(1)} s run, qemu ${(qemu.durationMs / 1000).toFixed(1)} s run`);
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`fidelity: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
