import t from 'tap';
import { hasNetem, linkRuleset, meanLoss } from '../../../../lab/net/netns/link-shaper.ts';
import { IDEAL_LINK, type LinkProfile } from '../../../../lab/net/link-spec.ts';
import { sh, trySh } from '../../../../lab/net/netns/sh.ts';

const names = { nftSite: 'fl_link', siteVeth: 'wan0' };

t.test('loss becomes nft numgen drops in parts per million, both directions and the relay itself', async (t) => {
  const rules = linkRuleset(names, { ...IDEAL_LINK, loss: { kind: 'random', rate: 0.02 } });
  t.equal((rules.match(/numgen random mod 1000000 < 20000 drop/g) ?? []).length, 4, 'forward in+out, input, output');
  t.notMatch(rules, /iifname "wan0" drop/);
});

t.test('one-way partitions cut only their direction', async (t) => {
  const down = linkRuleset(names, { ...IDEAL_LINK, partition: 'down' });
  t.match(down, /iifname "wan0" drop/);
  t.notMatch(down, /oifname "wan0" drop/);
  const up = linkRuleset(names, { ...IDEAL_LINK, partition: 'up' });
  t.match(up, /oifname "wan0" drop/);
  t.notMatch(up, /iifname "wan0" drop/);
});

t.test('a Gilbert-Elliott model applies its stationary mean loss', async (t) => {
  const p: LinkProfile = { ...IDEAL_LINK, loss: { kind: 'gilbert-elliott', p: 0.01, r: 0.24, h: 0, k: 1 } };
  t.equal(meanLoss(p).toFixed(4), (0.01 / 0.25).toFixed(4));
});

t.test('the rulesets are valid nft (checked by nft itself in a scratch namespace)', async (t) => {
  const ns = `fl-test-nft-${process.pid}`;
  await sh('ip', ['netns', 'add', ns]);
  t.teardown(() => trySh('ip', ['netns', 'del', ns]).then(() => undefined));
  for (const p of [IDEAL_LINK, { ...IDEAL_LINK, partition: 'both' as const, loss: { kind: 'random' as const, rate: 0.5 } }]) {
    const r = await trySh('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: linkRuleset(names, p) });
    t.ok(r, `nft accepts the ruleset for partition=${p.partition}`);
  }
});

t.test('netem detection answers what the kernel has', async (t) => {
  const probe = await hasNetem();
  const ns = `fl-test-netem-${process.pid}`;
  await sh('ip', ['netns', 'add', ns]);
  const direct = await trySh('ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms']);
  await trySh('ip', ['netns', 'del', ns]);
  t.equal(probe, direct !== null);
});
