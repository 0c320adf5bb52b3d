/**
 * The `external` target against a server this test starts itself (fleetlab's reference server,
 * in this process): fleetlab drives it only through its REST API via a mapping file, relays boot
 * traffic to its DHCP/TFTP, and leaves it running. A bad mapping file stops the run before
 * anything starts, naming each problem's path in the file.
 */
import t, { type Test } from 'tap';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fleetlab } from '../../../helpers/cli.ts';
import { readEvents } from '../../../helpers/run-json.ts';
import { startReferenceServer } from '../../../../harness/targets/reference/reference-server.ts';
import { checkLab } from '../../../../lab/config/lab-spec.ts';
import { Problems } from '../../../../lab/base/problem.ts';

const MAPPING = 'test/harness/targets/external/fixtures/reference-mapping.json';

async function provisionThrough(t: Test, mapping: string) {
  // The same sites the scenario's lab resolves to (site addressing depends only on the index).
  const lab = checkLab({ sites: 2, nodesPerSite: 2 }, 1, 'lab', new Problems())!;
  const server = await startReferenceServer({ subnets: lab.sites.map((s) => ({ name: s.name, subnet: s.subnet, relay: s.relay, poolStart: s.poolStart, poolEnd: s.poolEnd })) });
  t.teardown(() => server.close());
  const out = t.testdir();
  const opts = `api=${server.http.url},dhcp=${server.dhcp.host}:${server.dhcp.port},tftp=${server.tftp.host}:${server.tftp.port},mapping=${mapping}`;
  const r = await fleetlab(['run', 'scenarios/provision.ts', '--param', 'sites=2', '--param', 'nodesPerSite=2', '--param', 'timeScale=0', '--target', 'external', '--target-opt', opts, '--json', '--out', out]);
  t.equal(r.code, 0, r.stderr);
  t.match(JSON.parse(r.stdout), { status: 'passed', nodes: { total: 4, ready: 4, failed: 0 } });

  // The server is still up (fleetlab did not stop it) and its own records show the deploys it ran.
  const res = await fetch(`${server.http.url}/nodes`);
  t.equal(res.status, 200, 'server still answers after the run');
  const nodes = (await res.json()) as { id: string; state: string; image: string }[];
  t.same(nodes.map((n) => [n.state, n.image]), Array(4).fill(['active', 'edge-os-1.0']), 'the server enrolled and deployed every node');
  const leased = new Set(server.leases().map((l) => l.mac.toLowerCase()));
  t.ok([...server.nodes.values()].every((n) => leased.has(n.macs[0]!)), "the lab's relays took boot traffic to the server's DHCP");
  // fleetlab learned the states through the mapping's JSONPath (native names, mapped phases).
  const states = readEvents<{ kind: string; node?: string; native?: string; phase?: string }>(out).filter((e) => e.kind === 'target.state');
  t.same(new Set(states.filter((e) => e.native === 'active' && e.phase === 'active').map((e) => e.node)), new Set(nodes.map((n) => n.id)), 'target.state active for every node');
  t.ok(states.some((e) => e.native === 'installing' && e.phase === 'agent') || states.some((e) => e.native === 'provisioning'), 'intermediate native states mapped');
  return readEvents<{ kind: string; node?: string; url?: string; status?: number }>(out).filter((e) => e.kind === 'agent.callback');
}

t.test('provisions every node through the mapping file and leaves the server running', async (t) => {
  const callbacks = await provisionThrough(t, MAPPING);
  t.ok(callbacks.length >= 4 && callbacks.every((e) => !/via=http-callback/.test(e.url ?? '')), 'the generic installer called back');
});

t.test("the server's installer as an http-callback persona from the mapping file: same result, its own callback URL", async (t) => {
  const callbacks = await provisionThrough(t, 'test/harness/targets/external/fixtures/reference-mapping-http-callback.json');
  const ok = callbacks.filter((e) => e.status === 200 && /\?via=http-callback&node=/.test(e.url ?? ''));
  t.equal(new Set(ok.map((e) => e.node)).size, 4, 'every node called back through the templated URL');
});


t.test('a bad mapping file: every problem with its path in the file, exit 2, nothing started', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'bad-mapping.json');
  writeFileSync(
    file,
    JSON.stringify({
      enroll: { url: '{{api}}/nodes', body: { name: '{{node.nmae}}' } },
      state: { url: '{{api}}/nodes/{{node.name}}', native: '$.state[' },
      phases: { active: 'done' },
    }),
  );
  const out = join(dir, 'run');
  const r = await fleetlab(['run', 'scenarios/provision.ts', '--target', 'external', '--target-opt', `api=http://127.0.0.1:9,dhcp=127.0.0.1:9,tftp=127.0.0.1:9,mapping=${file}`, '--out', out]);
  t.equal(r.code, 2, r.stderr);
  t.match(r.stderr, /FLEETLAB_ERR_MAPPING_INVALID/);
  t.match(r.stderr, new RegExp(`${file}: provision: Invalid input`), 'missing provision named');
  t.match(r.stderr, /state\.native: '\$\.state\[': unbalanced brackets/, 'bad JSONPath named');
  t.match(r.stderr, /phases\.active: Invalid option/, 'unknown phase named');
  t.notOk(existsSync(out), 'no run directory: nothing started');

  // Schema-valid but with an unknown variable: the template check names the field.
  writeFileSync(
    file,
    JSON.stringify({
      enroll: { url: '{{api}}/nodes', body: { name: '{{node.nmae}}' } },
      provision: { url: '{{api}}/nodes/{{node.name}}/provision', body: { image: '{{image.url}}', id: '{{vars.id}}' } },
      state: { url: '{{api}}/nodes/{{image.name}}', native: '$.state' },
      phases: { active: 'active' },
      persona: { kind: 'http-callback', image: '{{cmdline.image}}', done: { url: '{{cmdline.cb}}', body: { e: '{{error.code}}' } } },
    }),
  );
  const r2 = await fleetlab(['run', 'scenarios/provision.ts', '--target', 'external', '--target-opt', `api=http://127.0.0.1:9,dhcp=127.0.0.1:9,tftp=127.0.0.1:9,mapping=${file}`, '--dry-run']);
  t.equal(r2.code, 2, r2.stderr);
  t.match(r2.stderr, /enroll\.body: unknown variable \{\{node\.nmae\}\}/);
  t.match(r2.stderr, /provision\.body: unknown variable \{\{vars\.id\}\} \(no step captures it\)/);
  t.match(r2.stderr, /state\.url: unknown variable \{\{image\.name\}\}/, 'image variables only in provision');
  t.match(r2.stderr, /persona\.done: unknown variable \{\{error\.code\}\}/, 'error variables only in the failed callback');
});

t.test('bad external options: each named, exit 2', async (t) => {
  const r = await fleetlab(['run', 'scenarios/provision.ts', '--target', 'external', '--target-opt', 'api=nope,dhcp=host-without-port,relayPort=x', '--dry-run']);
  t.equal(r.code, 2, r.stderr);
  for (const m of [/--target-opt api: Invalid URL \(got 'nope'\)/, /--target-opt dhcp: expected HOST:PORT/, /--target-opt tftp: .*expected string/, /--target-opt mapping: /, /--target-opt relayPort: /]) t.match(r.stderr, m);
});
