import t from 'tap';
import { resolveLab } from '../../../lab/config/lab-spec.ts';

t.test('expands sites and nodes with loopback addressing and deterministic ids', async (t) => {
  const lab = resolveLab({ sites: 3, nodesPerSite: 2 }, 42);
  t.equal(lab.sites.length, 3);
  t.equal(lab.nodes.length, 6);
  t.same(
    lab.sites.map((s) => [s.name, s.subnet, s.relay]),
    [
      ['site-000', '127.20.0.0/24', '127.20.0.1'],
      ['site-001', '127.20.1.0/24', '127.20.1.1'],
      ['site-002', '127.20.2.0/24', '127.20.2.1'],
    ],
  );
  const again = resolveLab({ sites: 3, nodesPerSite: 2 }, 42);
  t.same(
    again.nodes.map((n) => [n.macs, n.uuid]),
    lab.nodes.map((n) => [n.macs, n.uuid]),
    'same seed, same MACs and UUIDs',
  );
  const other = resolveLab({ sites: 3, nodesPerSite: 2 }, 43);
  t.not(other.nodes[0]!.uuid, lab.nodes[0]!.uuid, 'another seed, other UUIDs');
  const macs = new Set(lab.nodes.flatMap((n) => n.macs));
  t.equal(macs.size, 6, 'MACs are unique');
  for (const m of macs) t.match(m, /^02:[0-9a-f]{2}(:[0-9a-f]{2}){4}$/, 'locally administered unicast MAC');
  const bmcs = new Set(lab.nodes.map((n) => n.bmc.ipmi!.host));
  t.equal(bmcs.size, 6, 'each BMC has its own IPMI address');
});

t.test('site 256 and beyond move to the next /16; BMC addresses never end in .0 or .255', async (t) => {
  const lab = resolveLab({ sites: 300, nodesPerSite: 1, timeScale: 0 }, 1);
  t.equal(lab.sites[256]!.relay, '127.21.0.1');
  for (const n of lab.nodes) t.notMatch(n.bmc.ipmi!.host, /\.(0|255)$/);
});

t.test('a profile mix is drawn per node from the seed', async (t) => {
  const lab = resolveLab({ sites: 10, nodesPerSite: 10, profile: { 'generic-uefi': 0.5, 'legacy-bios': 0.5 } }, 7);
  const bios = lab.nodes.filter((n) => n.profile.firmware === 'bios').length;
  t.ok(bios > 25 && bios < 75, `about half BIOS (${bios}/100)`);
  const legacy = lab.nodes.find((n) => n.profile.name === 'legacy-bios')!;
  t.equal(legacy.macs.length, 2, 'legacy-bios profile has two NICs');
});

t.test('validation reports every problem with its path', async (t) => {
  let err: (Error & { code?: string; details?: { problems: { path: string; message: string }[] } }) | undefined;
  try {
    resolveLab(
      {
        sites: [{ name: 'a', nodes: 500 }, { name: 'a' }, { name: 'b', profile: 'nope', tier: 'vm' }],
        nodesPerSite: -1,
        timeScale: 'fast',
        bmc: { username: '' },
        profiles: [{ name: 'p1', firmware: 'efi', timings: { postMs: { triangular: [5, 1, 2] }, bogus: 1 } }],
        colour: 'red',
      },
      1,
    );
  } catch (e) {
    err = e as typeof err;
  }
  t.ok(err, 'throws');
  t.equal(err!.code, 'FLEETLAB_ERR_SPEC_INVALID');
  const paths = err!.details!.problems.map((p) => p.path);
  for (const p of [
    'lab.colour',
    'lab.timeScale',
    'lab.nodesPerSite',
    'lab.bmc.username',
    'lab.profiles[0].firmware',
    'lab.profiles[0].timings.postMs.triangular',
    'lab.profiles[0].timings.bogus',
    'lab.sites[0].nodes',
    'lab.sites[1].name',
    'lab.sites[2].profile',
    'lab.sites[2].tier',
  ])
    t.ok(paths.includes(p), `reports ${p}`);
  t.match(err!.message, /lab\.sites\[1\]\.name: duplicate site name 'a'/);
  t.match(err!.message, /lab\.sites\[2\]\.profile: unknown profile 'nope'/);
});

/** The problems resolveLab reports for `spec`, as `path: message` lines. */
function problemsOf(spec: unknown): string[] {
  try {
    resolveLab(spec, 1);
  } catch (e) {
    const err = e as Error & { code?: string; details?: { problems: { path: string; message: string }[] } };
    if (err.code !== 'FLEETLAB_ERR_SPEC_INVALID') throw e;
    return err.details!.problems.map((p) => `${p.path}: ${p.message}`);
  }
  return [];
}

t.test('a bad timeScale does not hide an unknown link preset (issue 20)', async (t) => {
  const list = problemsOf({ sites: 2, timeScale: -3, link: 'dialup' });
  t.ok(list.includes('lab.timeScale: expected a number 0..100, got -3'), 'timeScale reported');
  t.ok(list.some((l) => l.startsWith("lab.link: unknown link preset 'dialup'")), 'the unknown preset reported in the same run');
});

t.test('a bad profile does not hide a bad link latency (issue 20)', async (t) => {
  const list = problemsOf({ sites: [{ name: 'a', link: { latency: 40 } }], profiles: [{ name: 'p', nics: 99 }], link: { down: 'fast' } });
  t.ok(list.includes('lab.profiles[0].nics: expected an integer 1..8, got 99'), 'profile problem reported');
  t.ok(list.some((l) => l.startsWith('lab.sites[0].link.latency: expected a duration like') && l.includes('latencyMs: 40')), 'site link latency reported');
  t.ok(list.some((l) => l.startsWith("lab.link.down: expected a rate like '20mbit'")), 'lab link rate reported');
});

t.test('problems inside sections are reported where they are, next to checks across sections', async (t) => {
  const list = problemsOf({
    sites: [{ name: 'a', profile: { 'generic-uefi': -1 } }, { name: 'a', link: { mix: { lte: 1 } } }, 7],
    addressing: { ipmiPort: 70000, zone: 'x' },
    bmc: { ipmi: 'yes' },
  });
  t.ok(list.includes('lab.sites[0].profile.generic-uefi: expected a positive share, got -1'));
  t.ok(list.includes("lab.sites[1].name: duplicate site name 'a'"), 'duplicate names still checked on the sites that parsed');
  t.ok(list.some((l) => l.startsWith('lab.sites[1].link.mix: unknown link field')), 'a mix is a lab-wide link form only');
  t.ok(list.includes('lab.sites[2]: expected an object'));
  t.ok(list.includes('lab.addressing.ipmiPort: expected a port 0..65535'));
  t.ok(list.some((l) => l.startsWith('lab.addressing.zone: unknown field')), 'unknown addressing field (was ignored)');
  t.ok(list.includes('lab.bmc.ipmi: expected true or false'));
});
