import t from 'tap';
import { LINK_PRESETS, linkSummary, meanLoss, parseLinkSpec, resolveSiteLinks } from '../../../lab/net/link-spec.ts';
import { Problems } from '../../../lab/base/problem.ts';
import { createRng } from '../../../lab/base/rng.ts';

t.test('units in strings and in field names', async (t) => {
  const p = new Problems();
  const a = parseLinkSpec({ down: '20mbit', up: '512kbit', latency: '40ms', jitter: '5ms', loss: '0.5%', partition: 'up' }, 'lab.link', p);
  t.same(p.list, []);
  t.match(a, { downBps: 20e6, upBps: 512e3, latencyMs: 40, jitterMs: 5, loss: { kind: 'random', rate: 0.005 }, partition: 'up' });
  const b = parseLinkSpec({ downMbit: 1000, upKbit: 256, latencyMs: 1.5, jitterMs: 0, lossPct: 2 }, 'lab.link', p);
  t.same(p.list, []);
  t.match(b, { downBps: 1e9, upBps: 256e3, latencyMs: 1.5, loss: { rate: 0.02 } });
  t.equal(parseLinkSpec({ down: '1gbit' }, 'x', p)?.downBps, 1e9);
  t.equal(parseLinkSpec({ latency: '1.5s' }, 'x', p)?.latencyMs, 1500);
});

t.test('every problem is collected with its path', async (t) => {
  const p = new Problems();
  const r = parseLinkSpec(
    { down: 20, up: 'fast', latency: 40, jitter: '5 parsecs', loss: '150%', partition: 'sideways', lossModel: 'bursty', colour: 'red' },
    'lab.sites[3].link',
    p,
  );
  t.equal(r, undefined);
  const byPath = Object.fromEntries(p.list.map((x) => [x.path, x.message]));
  t.match(byPath['lab.sites[3].link.down'], /expected a rate like '20mbit'.*downMbit: 20/);
  t.match(byPath['lab.sites[3].link.up'], /expected a rate like '20mbit'.*'fast'/);
  t.match(byPath['lab.sites[3].link.latency'], /latencyMs: 40/);
  t.match(byPath['lab.sites[3].link.jitter'], /expected a duration/);
  t.match(byPath['lab.sites[3].link.loss'], /at most 100%/);
  t.match(byPath['lab.sites[3].link.partition'], /none, both, up, down/);
  t.match(byPath['lab.sites[3].link.lossModel'], /gilbert-elliott/);
  t.match(byPath['lab.sites[3].link.colour'], /unknown link field/);
  t.equal(p.list.length, 8);
});

t.test('ambiguous byte-rate units are refused with a fix', async (t) => {
  const p = new Problems();
  parseLinkSpec({ down: '20mbps' }, 'l', p);
  t.match(p.list[0]?.message, /bytes\/s.*'20mbit'/);
});

t.test('presets and overrides on top of them', async (t) => {
  const p = new Problems();
  t.same(parseLinkSpec('lte', 'l', p), LINK_PRESETS.lte);
  const s = parseLinkSpec({ preset: 'satellite', loss: '2%' }, 'l', p);
  t.equal(s?.latencyMs, 600);
  t.equal(s?.downBps, 25e6);
  t.equal(s?.loss.kind === 'random' && s.loss.rate, 0.02);
  t.equal(s?.preset, 'satellite');
  parseLinkSpec('dialup', 'lab.link', p);
  t.match(p.list, [{ path: 'lab.link', message: /unknown link preset 'dialup'.*satellite/ }]);
  t.match(linkSummary(LINK_PRESETS.dsl), 'dsl 20mbit/2mbit rtt 30ms ±3ms loss 0.1%');
});

t.test('Gilbert-Elliott bursts: derived from a mean loss or explicit p/r/h/k', async (t) => {
  const p = new Problems();
  const g = parseLinkSpec({ loss: '2%', lossModel: 'gilbert-elliott' }, 'l', p);
  t.equal(g?.loss.kind, 'gilbert-elliott');
  t.ok(Math.abs(meanLoss(g!.loss) - 0.02) < 1e-9);
  const e = parseLinkSpec({ lossModel: { model: 'gilbert-elliott', p: '1%', r: 0.3, h: '10%' } }, 'l', p);
  t.same(e?.loss, { kind: 'gilbert-elliott', p: 0.01, r: 0.3, h: 0.1, k: 1 });
  t.same(p.list, []);
  parseLinkSpec({ lossModel: { model: 'gilbert-elliott', p: '1%' } }, 'l', p);
  t.match(p.list, [{ path: 'l.lossModel.r', message: /required/ }]);
});

const sites = Array.from({ length: 100 }, (_, i) => `site-${i}`);

t.test('a mix gives exact shares, drawn by seed', async (t) => {
  const p = new Problems();
  const spec = { mix: { lte: 0.2, dsl: '30%', 'metro-fiber': 0.5 }, jitter: '1ms' };
  const a = resolveSiteLinks(spec, sites, createRng(7).child('links'), 'lab.link', p);
  t.same(p.list, []);
  const count = (m: Map<string, { preset?: string }>, name: string) => [...m.values()].filter((x) => x.preset === name).length;
  t.equal(count(a, 'lte'), 20);
  t.equal(count(a, 'dsl'), 30);
  t.equal(count(a, 'metro-fiber'), 50);
  t.ok([...a.values()].every((x) => (x as { jitterMs: number }).jitterMs === 1), 'shared overrides apply to every drawn preset');
  const b = resolveSiteLinks(spec, sites, createRng(7).child('links'), 'lab.link', p);
  t.same([...a.entries()], [...b.entries()], 'same seed, same assignment');
  const c = resolveSiteLinks(spec, sites, createRng(8).child('links'), 'lab.link', p);
  t.not(JSON.stringify([...a.entries()]), JSON.stringify([...c.entries()]), 'another seed, another assignment');
  resolveSiteLinks({ mix: { lte: 0.2, dsl: 0.3 } }, sites, createRng(1), 'lab.link', p);
  t.match(p.list, [{ path: 'lab.link.mix', message: /sum to 100%.*50%/ }]);
});

t.test('per-site overrides on a default', async (t) => {
  const p = new Problems();
  const m = resolveSiteLinks(
    { default: 'dsl', sites: { 'site-3': { latency: '200ms' }, 'site-4': 'satellite', 'site-999': 'lan' } },
    sites,
    createRng(1),
    'lab.links',
    p,
  );
  t.match(p.list, [{ path: 'lab.links.sites.site-999', message: /unknown site/ }]);
  t.equal(m.get('site-0')?.preset, 'dsl');
  t.equal(m.get('site-3')?.latencyMs, 200);
  t.equal(m.get('site-3')?.downBps, 20e6, 'unset fields stay from the default');
  t.equal(m.get('site-4')?.latencyMs, 600);
  const none = resolveSiteLinks(undefined, ['a'], createRng(1), 'l', p);
  t.equal(none.get('a')?.downBps, Infinity);
});

t.test('rules between fields name both fields by their full path, next to field problems', async (t) => {
  const p = new Problems();
  parseLinkSpec({ down: '1mbit', downMbit: 3, latency: '1ms', latencyMs: 3, jitter: 'x', lossModel: 'gilbert-elliott' }, 'lab.sites[2].link', p);
  const byPath = Object.fromEntries(p.list.map((x) => [x.path, x.message]));
  t.equal(byPath['lab.sites[2].link.downMbit'], 'conflicts with lab.sites[2].link.down; give the down rate once');
  t.equal(byPath['lab.sites[2].link.latencyMs'], 'conflicts with lab.sites[2].link.latency; give it once');
  t.match(byPath['lab.sites[2].link.jitter'], /expected a duration/);
  t.match(byPath['lab.sites[2].link.lossModel'], /needs a mean 'loss'/);
  t.equal(p.list.length, 4);
});
