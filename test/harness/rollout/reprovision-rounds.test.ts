/** The round engine against a fake run context: per-site maxUnavailable, fleet-wide maxInFlight, retries, health, stop. */
import t from 'tap';
import { reprovisionRounds, type RoundOptions } from '../../../harness/rollout/reprovision-rounds.ts';
import { defaultHealthCheck } from '../../../harness/rollout/health-check.ts';
import { withDefects, type RolloutImage } from '../../../harness/rollout/rollout-image.ts';
import type { NodeHandle, RunContext, WaitResult } from '../../../harness/scenario.ts';
import type { EventBody } from '../../../lab/base/event.ts';

function fakeFleet(sites: number, perSite: number, opts: { failFirst?: Set<string>; profileOf?: (name: string) => string } = {}) {
  const disk = new Map<string, string | null>();
  const nodes: NodeHandle[] = [];
  for (let s = 0; s < sites; s++)
    for (let j = 0; j < perSite; j++) {
      const name = `s${s}-n${j}`;
      disk.set(name, 'old');
      nodes.push({ name, site: `s${s}`, uuid: name, macs: [], profile: opts.profileOf?.(name) ?? 'hw-a', firmware: 'uefi', bmc: { username: '', password: '' }, labels: {}, diskImage: () => disk.get(name) ?? null, power: () => 'on', phase: () => 'ready' });
    }
  const batches: string[][] = [];
  const emitted: EventBody[] = [];
  const calls = new Map<string, number>();
  let now = 0;
  const ctx = {
    events: { now: () => ++now, emit: (e: EventBody) => emitted.push(e) },
    target: {
      async provision([n]: NodeHandle[], image: RolloutImage) {
        const c = (calls.get(n!.name) ?? 0) + 1;
        calls.set(n!.name, c);
        if (c === 1 && opts.failFirst?.has(n!.name)) throw Object.assign(new Error('BMC said no'), { code: 'FLEETLAB_ERR_TARGET' });
        disk.set(n!.name, image.name);
      },
    },
    lab: {
      async waitReady(list: NodeHandle[]): Promise<WaitResult> {
        batches.push(list.map((n) => n.name));
        return { ready: list, failed: [], timedOut: [] };
      },
    },
  } as unknown as RunContext;
  return { ctx, nodes, batches, emitted, calls };
}

const img = (name: string, badOn?: string[]): RolloutImage => withDefects({ name, url: '', sha256: '', bytes: 1 }, { badOn: badOn ?? [] });
const opts = (known: RolloutImage[], over: Partial<RoundOptions> = {}): RoundOptions => ({
  perSite: () => 2,
  retries: 1,
  readyTimeoutMs: 1000,
  health: defaultHealthCheck,
  known: new Map(known.map((k) => [k.name, k])),
  apiConcurrency: 4,
  readyAt: new Map(),
  ...over,
});

t.test('rounds: at most maxUnavailable per site, at most maxInFlight fleet-wide', async (t) => {
  const f = fakeFleet(3, 4);
  const next = img('new');
  const r = await reprovisionRounds(f.ctx, f.nodes.map((node) => ({ node, image: next })), opts([next], { maxInFlight: 4 }));
  t.equal(r.outcomes.length, 12);
  t.ok(r.outcomes.every((o) => o.ok && o.runs === 'new' && o.attempts === 1));
  t.ok(f.batches.every((b) => b.length <= 4), `batches ${f.batches.map((b) => b.length).join(',')}`);
  for (const b of f.batches) {
    const perSite = new Map<string, number>();
    for (const n of b) perSite.set(n.split('-')[0]!, (perSite.get(n.split('-')[0]!) ?? 0) + 1);
    t.ok([...perSite.values()].every((v) => v <= 2), `no site has more than 2 down in ${b.join(',')}`);
  }
  t.same(f.batches.flat().sort(), f.nodes.map((n) => n.name).sort(), 'each node once');
});

t.test('a failed provision call is retried; an image defect is final and emitted as node.failed', async (t) => {
  const f = fakeFleet(1, 4, { failFirst: new Set(['s0-n1']), profileOf: (n) => (n === 's0-n3' ? 'hw-bad' : 'hw-a') });
  const next = img('new', ['hw-bad']);
  const r = await reprovisionRounds(f.ctx, f.nodes.map((node) => ({ node, image: next })), opts([next], { perSite: () => 4 }));
  const by = new Map(r.outcomes.map((o) => [o.node, o]));
  t.match(by.get('s0-n1'), { ok: true, attempts: 2 });
  t.match(by.get('s0-n3'), { ok: false, code: 'FLEETLAB_ERR_HEALTH_CHECK', attempts: 1, message: /health probe fails on hardware profile hw-bad/ });
  t.equal(f.calls.get('s0-n3'), 1, 'a bad image is not retried');
  t.ok(f.emitted.some((e) => e.kind === 'node.failed' && e.node === 's0-n1' && e.code === 'FLEETLAB_ERR_TARGET'), 'the failed call is an event');
  t.ok(f.emitted.some((e) => e.kind === 'node.failed' && e.node === 's0-n3' && e.phase === 'ready'));
});

t.test('shouldStop ends the wave between rounds', async (t) => {
  const f = fakeFleet(1, 6, { profileOf: (n) => (n === 's0-n0' ? 'hw-bad' : 'hw-a') });
  const next = img('new', ['hw-bad']);
  const r = await reprovisionRounds(f.ctx, f.nodes.map((node) => ({ node, image: next })), opts([next], { shouldStop: (so) => so.some((o) => !o.ok) }));
  t.equal(r.stopped, true);
  t.equal(r.outcomes.length, 2, 'only the first round ran');
  t.equal(f.batches.length, 1);
});
