/**
 * Test helper (not a test): builds a realistic provisioning event log for N nodes, the shape the
 * sim tier writes — run.start, node.info, BMC power path, node.phase per NODE_PHASES with
 * DHCP/TFTP/HTTP/agent events inside the phases, node.ready or node.failed, thresholds, run.end.
 * Deterministic for a seed; `phaseFactor` slows chosen phases (e.g. image ×1.3) to make a regression.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRng } from '../../lab/base/rng.ts';
import type { EventBody, FleetEvent, NodePhase, RunStatus, Testbed } from '../../lab/base/event.ts';

export interface SyntheticOptions {
  nodes: number;
  sites?: number;
  seed?: number;
  scenario?: string;
  testbed?: Partial<Testbed>;
  /** Multiplier on a phase's duration (1 = unchanged). */
  phaseFactor?: Partial<Record<NodePhase, number>>;
  /** Every k-th node (index % k === k-1) fails in its image phase. */
  failEvery?: number;
  /** Every k-th node retries DHCP once (phase re-entered with attempt 2). */
  retryEvery?: number;
  faults?: { fault: string; selector: string; start: number; end: number | null }[];
  /** Spacing of node power-ons, ms. */
  staggerMs?: number;
  /** Omit run.end (and the trailing thresholds): a killed run. */
  noEnd?: boolean;
  status?: RunStatus;
  /** p95 time-to-ready bound for the threshold, ms. */
  p95BoundMs?: number;
}

/** Median duration of each phase, ms (a 1 GB-ish image over a fast LAN, real-firmware POST). */
export const BASE_PHASE_MS: Record<Exclude<NodePhase, 'ready'>, number> = {
  'power-on': 3000,
  dhcp: 400,
  tftp: 300,
  'ipxe-dhcp': 300,
  script: 60,
  kernel: 900,
  boot: 5000,
  agent: 1200,
  image: 8000,
  callback: 50,
  reboot: 3000,
  'disk-boot': 4000,
};

export function syntheticEvents(o: SyntheticOptions): FleetEvent[] {
  const seed = o.seed ?? 1;
  const rng = createRng(seed);
  const sites = o.sites ?? Math.max(1, Math.ceil(o.nodes / 10));
  const stagger = o.staggerMs ?? 20;
  const out: FleetEvent[] = [];
  const at = (t: number, body: EventBody) => out.push({ ...body, t: Math.round(t * 1000) / 1000 } as FleetEvent);
  const testbed: Testbed = { tier: 'sim', machine: 'linux-x64-2cpu', scale: o.nodes, ...o.testbed };
  at(0, {
    kind: 'run.start',
    runId: `synthetic-${seed}`,
    scenario: o.scenario ?? 'provision',
    seed,
    wallStart: '2026-11-27T12:00:00.000Z',
    testbed,
    nodes: o.nodes,
    sites,
    params: { sites, nodesPerSite: Math.ceil(o.nodes / sites), imageMB: 64 },
    target: 'reference',
    versions: { fleetlab: '0.1.0', node: 'v20.20.2' },
  });
  const names: string[] = [];
  for (let i = 0; i < o.nodes; i++) {
    const site = `site-${String(i % sites).padStart(3, '0')}`;
    const name = `${site}-node-${String(Math.floor(i / sites)).padStart(3, '0')}`;
    names.push(name);
    at(1, { kind: 'node.info', node: name, site, profile: i % 3 === 0 ? 'dell-r650' : 'hpe-dl360', macs: [`52:54:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`], bmc: `bmc-${name}` });
  }
  let maxEnd = 0;
  const ttrs: number[] = [];
  let failed = 0;
  for (let i = 0; i < o.nodes; i++) {
    const name = names[i]!;
    const site = `site-${String(i % sites).padStart(3, '0')}`;
    const bmc = `bmc-${name}`;
    const jitter = (ms: number) => ms * (0.8 + 0.4 * (rng.next() + rng.next()) / 2);
    const dur = (p: Exclude<NodePhase, 'ready'>) => jitter(BASE_PHASE_MS[p]) * (o.phaseFactor?.[p] ?? 1);
    let t = 100 + i * stagger;
    at(t - 40, { kind: 'bmc.request', bmc, proto: 'redfish', op: 'PATCH /Systems/{id} Boot', status: 200, ms: 5 + rng.next() * 10 });
    at(t - 20, { kind: 'bmc.request', bmc, proto: 'redfish', op: 'POST ComputerSystem.Reset', status: 204, ms: 8 + rng.next() * 12 });
    at(t, { kind: 'node.power', node: name, state: 'on', cause: 'bmc' });
    at(t, { kind: 'target.state', node: name, native: 'deploying', phase: 'provisioning' });
    const start = t;
    const phase = (p: NodePhase, attempt?: number) => at(t, { kind: 'node.phase', node: name, phase: p, ...(attempt ? { attempt } : {}) });
    phase('power-on');
    t += dur('power-on');
    const dhcpStage = (p: 'dhcp' | 'ipxe-dhcp') => {
      const stage = p === 'dhcp' ? 'pxe' : 'ipxe';
      const d = dur(p);
      at(t + 1, { kind: 'dhcp.discover', node: name, site, stage, attempt: 1 });
      at(t + d * 0.5, { kind: 'dhcp.offer', node: name, site, stage, ip: `127.20.${i % sites}.${10 + (i % 200)}`, ms: d * 0.5 });
      at(t + d, { kind: 'dhcp.ack', node: name, site, stage, ip: `127.20.${i % sites}.${10 + (i % 200)}`, ms: d, ...(stage === 'pxe' ? { bootFile: 'undionly.kpxe', nextServer: '127.0.0.1' } : {}) });
      t += d;
    };
    phase('dhcp');
    if (o.retryEvery && i % o.retryEvery === o.retryEvery - 1) {
      t += 4000; // first DISCOVER round unanswered
      phase('dhcp', 2);
    }
    dhcpStage('dhcp');
    phase('tftp');
    let d = dur('tftp');
    at(t + d, { kind: 'tftp.done', node: name, file: 'undionly.kpxe', bytes: 70_000, ms: d, blksize: 1468 });
    t += d;
    phase('ipxe-dhcp');
    dhcpStage('ipxe-dhcp');
    phase('script');
    d = dur('script');
    at(t + d, { kind: 'http.done', node: name, url: 'http://127.0.0.1:8080/boot.ipxe', bytes: 400, ms: d, status: 200 });
    t += d;
    phase('kernel');
    d = dur('kernel');
    at(t + d * 0.6, { kind: 'http.done', node: name, url: 'http://127.0.0.1:8080/vmlinuz', bytes: 8_000_000, ms: d * 0.6, status: 200 });
    at(t + d, { kind: 'http.done', node: name, url: 'http://127.0.0.1:8080/initrd', bytes: 6_000_000, ms: d * 0.4, status: 200 });
    t += d;
    phase('boot');
    at(t, { kind: 'boot.kernel', node: name, cmdline: 'fleetlab.image=http://127.0.0.1:8080/img fleetlab.sha256=ab' });
    t += dur('boot');
    phase('agent');
    at(t, { kind: 'agent.start', node: name, persona: 'generic' });
    at(t + 10, { kind: 'target.state', node: name, native: 'agent', phase: 'agent' });
    t += dur('agent');
    phase('image');
    d = dur('image');
    if (o.failEvery && i % o.failEvery === o.failEvery - 1) {
      at(t + d, { kind: 'agent.image', node: name, url: 'http://127.0.0.1:8080/img', bytes: 64_000_000, ms: d, sha256: 'bad', ok: false });
      at(t + d, { kind: 'node.error', node: name, code: 'FLEETLAB_ERR_IMAGE_CHECKSUM', message: 'sha256 mismatch' });
      at(t + d + 1, { kind: 'node.failed', node: name, phase: 'image', code: 'FLEETLAB_ERR_IMAGE_CHECKSUM', message: 'image sha256 mismatch: got bad, want ab' });
      at(t + d + 2, { kind: 'target.state', node: name, native: 'deploy failed', phase: 'failed' });
      failed++;
      maxEnd = Math.max(maxEnd, t + d + 2);
      continue;
    }
    at(t + d, { kind: 'agent.image', node: name, url: 'http://127.0.0.1:8080/img', bytes: 64_000_000, ms: d, sha256: 'ab', ok: true });
    at(t + d, { kind: 'http.done', node: name, url: 'http://127.0.0.1:8080/img', bytes: 64_000_000, ms: d, status: 200 });
    t += d;
    phase('callback');
    d = dur('callback');
    at(t + d, { kind: 'agent.callback', node: name, url: 'http://127.0.0.1:8080/callback', status: 200 });
    t += d;
    phase('reboot');
    at(t + 1, { kind: 'node.power', node: name, state: 'off', cause: 'reboot' });
    t += dur('reboot');
    phase('disk-boot');
    at(t, { kind: 'boot.disk', node: name, image: 'ubuntu-24.04' });
    t += dur('disk-boot');
    phase('ready');
    at(t, { kind: 'node.ready', node: name, image: 'ubuntu-24.04' });
    at(t + 5, { kind: 'target.state', node: name, native: 'active', phase: 'active' });
    ttrs.push(t - start);
    maxEnd = Math.max(maxEnd, t + 5);
  }
  for (const [k, f] of (o.faults ?? []).entries()) {
    at(f.start, { kind: 'fault.start', id: `f${k}`, fault: f.fault, selector: f.selector, params: { latencyMs: 200 } });
    if (f.end !== null) at(f.end, { kind: 'fault.stop', id: `f${k}`, fault: f.fault });
  }
  out.sort((a, b) => a.t - b.t);
  if (!o.noEnd) {
    const end = maxEnd + 10;
    const sorted = [...ttrs].sort((a, b) => a - b);
    const p95 = sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)]! : null;
    const bound = o.p95BoundMs ?? 60_000;
    const allReady = failed === 0;
    at(end, { kind: 'expect.result', name: 'all nodes ready', ok: allReady, value: (o.nodes - failed) / o.nodes, limit: '== 1' });
    at(end, { kind: 'expect.result', name: 'p95 time-to-ready', ok: p95 !== null && p95 < bound, value: p95, limit: `< ${bound}` });
    at(end + 1, { kind: 'run.end', status: o.status ?? (allReady && p95 !== null && p95 < bound ? 'passed' : 'failed') });
  }
  return out;
}

export function toNdjson(events: FleetEvent[]): string {
  return events.map((e) => JSON.stringify(e)).join('\n') + '\n';
}

/** Writes `<dir>/events.ndjson` for the options; returns the dir. */
export async function writeSyntheticRun(dir: string, o: SyntheticOptions): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'events.ndjson'), toNdjson(syntheticEvents(o)));
  return dir;
}
