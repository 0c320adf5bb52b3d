/**
 * The shard coordinator over real HTTP: the shared-target answer, a barrier that answers every
 * shard once the last arrives (and a shard that comes back after it completed), and bad requests.
 */
import t from 'tap';
import { startCoordinator } from '../../../harness/shard/coordinator.ts';
import { barrier, sharedTarget, REFERENCE_MAPPING } from '../../../harness/shard/coordinator-client.ts';

t.test('barrier: nobody passes before the last shard; a late re-arrival is answered at once', async (t) => {
  const c = await startCoordinator({ host: '127.0.0.1', port: 0, target: { target: 'external', options: { api: 'http://x', mapping: 'reference' } } });
  t.teardown(() => c.close());
  const signal = new AbortController().signal;
  const passed: number[] = [];
  const first = [1, 2].map((i) => barrier(c.url, 'w1', { index: i, count: 3 }, { failed: i }, signal).then((v) => (passed.push(i), v)));
  // Shards 1 and 2 are parked until 3 arrives: the coordinator reports them waiting.
  for (;;) {
    const h = (await (await fetch(`${c.url}/health`)).json()) as { barriers: Record<string, number> };
    if (h.barriers.w1 === 2) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  t.same(passed, [], 'no shard passed with 2 of 3 there');
  const third = await barrier(c.url, 'w1', { index: 3, count: 3 }, { failed: 3 }, signal);
  const all = await Promise.all(first);
  t.same(third, { 1: { failed: 1 }, 2: { failed: 2 }, 3: { failed: 3 } });
  t.same(all, [third, third], 'every shard gets the same answer');
  t.same(await barrier(c.url, 'w1', { index: 2, count: 3 }, { failed: 2 }, signal), third, 'arriving again after completion');
  t.same(await sharedTarget(c.url), { target: 'external', targetOptions: { api: 'http://x', mapping: REFERENCE_MAPPING } }, "'reference' mapping resolved to the shipped file");
  const bad = await fetch(`${c.url}/barrier/w1`, { method: 'POST', body: JSON.stringify({ shard: 1, count: 4 }) });
  t.equal(bad.status, 400);
  t.match(await bad.json(), { error: "barrier 'w1' is for 3 shards, shard 1 says 4" });
});

t.test('a coordinator without a shared target: GET /target is 404, the client says so', async (t) => {
  const c = await startCoordinator({ host: '127.0.0.1', port: 0, target: null });
  t.teardown(() => c.close());
  await t.rejects(sharedTarget(c.url), { code: 'FLEETLAB_ERR_SHARD_COORDINATOR', message: /\/target: HTTP 404 .*serves no shared target/ });
});
