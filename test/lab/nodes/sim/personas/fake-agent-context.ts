/**
 * An AgentContext without a sim node: HTTP through fetch, downloads hashed in memory, disk
 * writes and power-offs recorded. For persona tests against real or fake servers.
 */
import { createHash } from 'node:crypto';
import type { AgentContext } from '../../../../../lab/nodes/sim/agent-persona.ts';
import type { EventBody, NodePhase } from '../../../../../lab/base/event.ts';

export interface FakeAgentContext extends AgentContext {
  events: EventBody[];
  phases: NodePhase[];
  disk: { name: string; url: string; bytes: number; digest: string }[];
  poweredOff: boolean;
  abort(): void;
}

export function fakeAgentContext(o: {
  name?: string;
  uuid: string;
  macs: string[];
  cmdline?: string;
  corrupt?: boolean;
  /** Runs on powerOff (e.g. switch a FakeMachine off so its BMC reports Off). */
  onPowerOff?: () => Promise<void>;
}): FakeAgentContext {
  const controller = new AbortController();
  const cmdline = o.cmdline ?? '';
  const args: Record<string, string> = {};
  for (const w of cmdline.split(/\s+/).filter(Boolean)) {
    const i = w.indexOf('=');
    if (i < 0) args[w] = '';
    else args[w.slice(0, i)] = w.slice(i + 1);
  }
  const ctx: FakeAgentContext = {
    node: { name: o.name ?? 'n0', site: 's0', uuid: o.uuid, macs: o.macs, ip: '127.0.0.1' },
    cmdline,
    args,
    events: [],
    phases: [],
    phase(p) {
      ctx.phases.push(p);
    },
    disk: [],
    poweredOff: false,
    async http(method, url, body, headers) {
      const res = await fetch(url, {
        method,
        headers: { ...(headers ?? {}) },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(10_000),
      });
      const buf = Buffer.from(await res.arrayBuffer());
      return { status: res.status, headers: Object.fromEntries(res.headers), body: buf };
    },
    async downloadImage(url, expected) {
      const t0 = performance.now();
      const res = await fetch(url);
      const buf = Buffer.from(await res.arrayBuffer());
      if (o.corrupt && buf.length > 0) buf[0] = (buf[0] ?? 0) ^ 0xff;
      const digest = createHash(expected?.algo ?? 'sha256').update(buf).digest('hex');
      return { bytes: buf.length, digest, ok: res.ok && (!expected || digest === expected.digest), ms: performance.now() - t0 };
    },
    async writeDisk(image) {
      ctx.disk.push(image);
    },
    async powerOff() {
      await o.onPowerOff?.();
      ctx.poweredOff = true;
      controller.abort();
    },
    emit(body) {
      ctx.events.push(body);
    },
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    signal: controller.signal,
    abort: () => controller.abort(),
  };
  return ctx;
}
