/** Halt policy, wave statistics and the post-boot health check. */
import t from 'tap';
import { failureBudget, haltReason } from '../../../harness/rollout/halt-policy.ts';
import { formatStats, parseDetail, waveStats, type NodeOutcome } from '../../../harness/rollout/wave-stats.ts';
import { defaultHealthCheck } from '../../../harness/rollout/health-check.ts';
import { withDefects } from '../../../harness/rollout/rollout-image.ts';
import { parseMaxUnavailable, checkRolloutOptions } from '../../../harness/rollout/rollout.ts';
import type { NodeHandle } from '../../../harness/scenario.ts';

const out = (node: string, ok: boolean, ttrMs: number | null, code?: string): NodeOutcome => ({ node, site: 's', profile: 'p', image: 'i', ok, runs: 'i', ttrMs, attempts: 1, ...(code ? { code } : {}) });

t.test('wave stats: failure rate, p95 of ready nodes, codes; detail round-trips', async (t) => {
  const s = waveStats([out('a', true, 100), out('b', true, 300), out('c', false, null, 'FLEETLAB_ERR_HEALTH_CHECK'), out('d', true, 200)]);
  t.same(s, { nodes: 4, ok: 3, failed: 1, failureRate: 0.25, p95TtrMs: 300, codes: { FLEETLAB_ERR_HEALTH_CHECK: 1 } });
  const d = parseDetail(`${formatStats(s)} reason="too many failures"`);
  t.same(d, { ok: 3, failed: 1, failureRate: 0.25, p95TtrMs: 300, codes: 'HEALTH_CHECK:1', reason: 'too many failures' });
});

t.test('halt: failure budget mid-wave, p95 and predicate only when the wave is complete', async (t) => {
  t.equal(failureBudget({ failureRate: 0.1 }, 30), 3);
  t.equal(failureBudget({}, 1000), 0, 'default: any failure halts');
  const stats = waveStats([out('a', true, 5000), out('b', false, null, 'X')]);
  t.match(haltReason({ failureRate: 0 }, { name: 'w', stats, plannedNodes: 10 }, () => [], false), /failures 1\/10 exceed failureRate 0/);
  t.equal(haltReason({ failureRate: 0.1 }, { name: 'w', stats, plannedNodes: 10 }, () => [], false), null, '1 of 10 is within 10 %');
  t.equal(haltReason({ failureRate: 0.1, p95TimeToReadyMs: 1000 }, { name: 'w', stats, plannedNodes: 10 }, () => [], false), null, 'p95 waits for the whole wave');
  t.match(haltReason({ failureRate: 0.1, p95TimeToReadyMs: 1000 }, { name: 'w', stats, plannedNodes: 10 }, () => [], true), /p95 time-to-ready 5000 ms exceeds 1000 ms/);
  const seen: string[] = [];
  const r = haltReason({ failureRate: 1, when: (w, evs) => (seen.push(w.name, String(evs.length)), evs.some((e) => e.kind === 'fault.start') && 'a fault started during the wave') }, { name: 'w1', stats, plannedNodes: 2 }, () => [{ kind: 'fault.start', t: 1, id: 'f', fault: 'partition', selector: 'all', params: {} }], true);
  t.equal(r, 'a fault started during the wave');
  t.same(seen, ['w1', '1']);
});

function node(over: Partial<{ disk: string | null; power: 'on' | 'off'; profile: string }>): NodeHandle {
  const o = { disk: 'os-2', power: 'on' as const, profile: 'hw-a', ...over };
  return { name: 'n1', site: 's', uuid: 'u', macs: [], profile: o.profile, firmware: 'uefi', bmc: { username: 'u', password: 'p' }, labels: {}, diskImage: () => o.disk, power: () => o.power, phase: () => 'ready' };
}

t.test('health: the node must run the expected image, be on, and the image must work on its hardware', async (t) => {
  const img = withDefects({ name: 'os-2', url: 'http://x', sha256: '0', bytes: 1 }, { badOn: ['hw-c'] });
  const known = new Map([[img.name, img]]);
  t.same(defaultHealthCheck(node({}), img, known), { ok: true, runs: 'os-2' });
  t.match(defaultHealthCheck(node({ disk: 'os-1' }), img, known), { ok: false, runs: 'os-1', retryable: true, detail: 'n1 runs os-1, expected os-2' });
  t.match(defaultHealthCheck(node({ disk: null }), img, known), { ok: false, detail: /no image \(blank disk\)/ });
  t.match(defaultHealthCheck(node({ power: 'off' }), img, known), { ok: false, detail: /powered off/ });
  const bad = defaultHealthCheck(node({ profile: 'hw-c' }), img, known);
  t.match(bad, { ok: false, runs: 'os-2', detail: 'n1 runs os-2 but its health probe fails on hardware profile hw-c' });
  t.notOk(bad.retryable, 'an image defect is not retried');
  t.same(withDefects(img, { badOn: [] }).badOn, ['hw-c'], 'no new defects keeps the old ones');
});

t.test('maxUnavailable and option validation', async (t) => {
  t.equal(parseMaxUnavailable(2)!(10), 2);
  t.equal(parseMaxUnavailable('25%')!(10), 2);
  t.equal(parseMaxUnavailable('25%')!(3), 1, 'at least one node');
  t.equal(parseMaxUnavailable(0), null);
  t.equal(parseMaxUnavailable('lots'), null);
  const img = { name: 'a', url: '', sha256: '', bytes: 1 };
  {
    const e = caught(() => checkRolloutOptions({ image: img, previous: img, maxUnavailable: '0%', haltWhen: { failureRate: 2 }, strategy: 'canary' as never }));
    t.equal(e.code, 'FLEETLAB_ERR_SCENARIO_INVALID');
    for (const p of ['rollout.previous', 'rollout.maxUnavailable', 'rollout.haltWhen.failureRate', 'rollout.strategy']) t.match(e.message, p);
  }
});

function caught(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected a throw');
}
