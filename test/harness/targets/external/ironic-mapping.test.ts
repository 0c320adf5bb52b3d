/**
 * A real OpenStack Ironic (Debian python3-ironic, host processes: building an Ironic container
 * image does not fit CI's time, so issue 17's fallback) driven through `--target external` and the
 * shipped mapping file harness/targets/mapping/examples/ironic-mapping.json — no compiled-in
 * ironic adapter in the run path. The test starts what an operator's Ironic deployment has around
 * it, as the ironic target would: fleetlab's boot services for Ironic (DHCP/TFTP/HTTP, deploy
 * kernel + ramdisk) and Ironic itself; fleetlab only relays boot traffic and calls the REST API
 * the mapping describes. Sim nodes run the `ipa` persona the mapping picks.
 */
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fleetlab } from '../../../helpers/cli.ts';
import { checkLab } from '../../../../lab/config/lab-spec.ts';
import { Problems } from '../../../../lab/base/problem.ts';
import { startIronicBootServices } from '../../../../harness/targets/ironic/ironic-boot-services.ts';
import { startIronic } from '../../../../harness/targets/ironic/ironic-process.ts';
import { CHAIN, inOrder, milestones, readEvents } from '../ironic/ironic-e2e-kit.ts';

const MAPPING = 'harness/targets/mapping/examples/ironic-mapping.json';
const SITES = 1;
const PER_SITE = 5;

t.test('Ironic provisions 5 sim nodes through --target external and the mapping file, and keeps running', async (t) => {
  const dir = t.testdir();
  const lab = checkLab({ sites: SITES, nodesPerSite: PER_SITE }, 1, 'lab', new Problems())!;
  const boot = await startIronicBootServices({ subnets: lab.sites.map((s) => ({ name: s.name, subnet: s.subnet, relay: s.relay, poolStart: s.poolStart, poolEnd: s.poolEnd })), httpRoot: join(dir, 'http') });
  t.teardown(() => boot.close());
  const kernel = boot.artifact('ipa.kernel', 128 * 1024);
  const ramdisk = boot.artifact('ipa.initramfs', 256 * 1024);
  const t0 = Date.now();
  const ironic = await startIronic({ dir, httpUrl: boot.httpRootUrl, keepDir: true });
  t.teardown(() => ironic.stop());
  t.comment(`ironic up in ${Date.now() - t0} ms at ${ironic.url}`);

  const out = join(dir, 'run');
  const opts = `api=${ironic.url},dhcp=${boot.dhcp.host}:${boot.dhcp.port},tftp=${boot.tftp.host}:${boot.tftp.port},mapping=${MAPPING}`;
  const t1 = Date.now();
  const r = await fleetlab(['run', 'scenarios/provision.ts', '--target', 'external', '--target-opt', opts, '--param', `sites=${SITES}`, '--param', `nodesPerSite=${PER_SITE}`, '--json', '--out', out], {
    timeoutMs: 300_000,
    env: { FLEETLAB_IRONIC_DEPLOY_KERNEL: kernel.url, FLEETLAB_IRONIC_DEPLOY_RAMDISK: ramdisk.url },
  });
  t.comment(`run wall time ${Date.now() - t1} ms`);
  if (r.code !== 0) t.comment(r.stderr.slice(-4000), await ironic.logTail(40));
  t.equal(r.code, 0, 'exit 0');
  t.match(JSON.parse(r.stdout), { status: 'passed', nodes: { total: 5, ready: 5, failed: 0 } });

  const events = readEvents(out);
  const nodes = events.filter((e) => e.kind === 'node.info').map((e) => e.node!);
  t.equal(nodes.length, 5);
  for (const n of nodes) t.ok(inOrder(milestones(events, n), CHAIN), `${n}: ${CHAIN.join(' → ')}`, { seq: milestones(events, n) });
  const natives = events.filter((e) => e.kind === 'target.state' && e.native === 'active' && e.phase === 'active').map((e) => e.node);
  t.same(new Set(natives), new Set(nodes), "target.state active (Ironic's native name through the mapping's JSONPath) for every node");

  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { target: { name: string; version: Record<string, string> | null } };
  t.equal(run.target.name, 'external');
  t.match(run.target.version, { ironicApi: /^1\.\d+$/, ironicApiMin: /^1\.\d+$/, api: ironic.url }, "run.json records the versions Ironic's root document names, via the mapping's version fields");

  // External targets are not stopped: Ironic still answers, and its records agree.
  t.ok(ironic.running, 'the Ironic process is still running');
  const res = await fetch(`${ironic.url}/v1/nodes?fields=name,provision_state`, { headers: { 'X-OpenStack-Ironic-API-Version': '1.78' } });
  t.equal(res.status, 200, 'Ironic still answers after the run');
  const db = ((await res.json()) as { nodes: { name: string; provision_state: string }[] }).nodes;
  t.same(db.map((n) => [n.name, n.provision_state]).sort(), nodes.sort().map((n) => [n, 'active']), "Ironic's own records: provision_state=active");
});

t.test('the Ironic mapping with an invalid JSONPath: exit 2 naming the path, nothing started', async (t) => {
  const dir = t.testdir();
  const m = JSON.parse(readFileSync(MAPPING, 'utf8')) as { enroll: { until?: { path: string } }[] };
  m.enroll[3]!.until!.path = '$.provision_state[';
  const file = join(dir, 'bad-ironic-mapping.json');
  writeFileSync(file, JSON.stringify(m));
  const out = join(dir, 'run');
  const r = await fleetlab(['run', 'scenarios/provision.ts', '--target', 'external', '--target-opt', `api=http://127.0.0.1:9,dhcp=127.0.0.1:9,tftp=127.0.0.1:9,mapping=${file}`, '--out', out]);
  t.equal(r.code, 2, r.stderr);
  t.match(r.stderr, /FLEETLAB_ERR_MAPPING_INVALID/);
  t.match(r.stderr, /enroll\[3\]\.until\.path: '\$\.provision_state\[': unbalanced brackets/, 'bad JSONPath named with its path in the file');
  t.notOk(existsSync(out), 'no run directory: nothing started');
});
