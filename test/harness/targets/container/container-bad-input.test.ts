/**
 * The container target's bad input and failed starts, through the real CLI with the shared
 * podman service: each gives one clear error naming what failed, exit 2 (bad input: checked
 * options, a mapping file with a bad JSONPath, an image that says nothing about its server) or
 * exit 1 (the server failed: exits at start, cannot run its command, never healthy), and no
 * container is left behind.
 */
import t from 'tap';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fleetlab } from '../../../helpers/cli.ts';
import { TEST_IMAGE, ensureTestImage, leftovers, podmanAvailable, startPodmanService } from './podman-kit.ts';

const MAPPING = 'test/harness/targets/external/fixtures/reference-mapping.json';
/** A loopback TCP port nobody listens on (taken, then released). */
const freePort = () => new Promise<number>((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); }); });

if (!podmanAvailable()) t.fail('podman and runc are required (apt-get install podman runc)');
else
  t.test('container target: bad input and failed starts', async (t) => {
    const svc = await startPodmanService();
    t.teardown(() => svc.stop());
    ensureTestImage(svc.env);
    const root = t.testdir();
    const port = await freePort();
    const server = `api=http://127.0.0.1:${port},dhcp=127.0.0.1:${port},tftp=127.0.0.1:${port}`;
    const run = (name: string, opts: string) =>
      fleetlab(['run', 'scenarios/provision.ts', '--param', 'sites=1', '--param', 'nodesPerSite=1', '--target', 'container', '--target-opt', `image=${TEST_IMAGE},docker=unix://${svc.socket},${opts}`, '--out', join(root, name)], { timeoutMs: 120_000 });

    const cases: { name: string; opts: string; code: number; err: RegExp }[] = [
      { name: 'exits at start', opts: `${server},mapping=${MAPPING},cmd=/opt/busybox false`, code: 1, err: /FLEETLAB_ERR_TARGET_START: container localhost\/fleetlab-test-host:1 exited \(1\) before http:\/\/127\.0\.0\.1:\d+ answered/ },
      { name: 'health never passes', opts: `${server},mapping=${MAPPING},cmd=/opt/busybox sleep 600,healthTimeout=2`, code: 1, err: /FLEETLAB_ERR_TARGET_START: container localhost\/fleetlab-test-host:1: health check failed: no http:\/\/127\.0\.0\.1:\d+ within 2 s/ },
      { name: 'log line never seen', opts: `${server},mapping=${MAPPING},cmd=/opt/busybox sleep 600,healthLog=^serving$,healthTimeout=2`, code: 1, err: /health check failed: no log line \/\^serving\$\/ and http:\/\/127\.0\.0\.1:\d+ within 2 s/ },
      { name: 'kea missing from the image', opts: `server=kea,dhcpPort=${port}`, code: 1, err: /FLEETLAB_ERR_TARGET_START: container localhost\/fleetlab-test-host:1: .*kea-dhcp4/ },
      { name: 'image without a server label', opts: 'healthTimeout=2', code: 2, err: /FLEETLAB_ERR_PARAM_INVALID: --target-opt image=localhost\/fleetlab-test-host:1: the image has no fleetlab\.server label \(mapping \| kea\); say --target-opt server=/ },
    ];
    for (const c of cases) {
      const r = await run(c.name.replace(/ /g, '-'), c.opts);
      t.equal(r.code, c.code, `${c.name}: exit ${c.code}`, { stderr: r.stderr });
      t.match(r.stderr, c.err, `${c.name}: the error says what failed`);
    }

    const bad = join(root, 'bad-mapping.json');
    writeFileSync(bad, JSON.stringify({ enroll: { url: '{{api}}/nodes' }, provision: { url: '{{api}}/p' }, state: { url: '{{api}}/nodes/{{node.name}}', native: '$.nodes[?(@.name' }, phases: { active: 'active' } }));
    const r = await run('bad-jsonpath', `${server},mapping=${bad}`);
    t.equal(r.code, 2, 'a mapping file with a bad JSONPath: exit 2', { stderr: r.stderr });
    t.match(r.stderr, new RegExp(`FLEETLAB_ERR_MAPPING_INVALID: --target-opt mapping=${bad}: 1 problem\\(s\\):\\n  ${bad}: state\\.native: '\\$\\.nodes\\[\\?\\(@\\.name': unbalanced brackets`));

    const opts = await run('bad-options', `server=kea,${server},mapping=${MAPPING},healthLog=(`);
    t.equal(opts.code, 2, 'contradicting options: exit 2', { stderr: opts.stderr });
    t.match(opts.stderr, /--target-opt server: server=kea is configured by fleetlab; api, dhcp, tftp, mapping apply to server=mapping only/);
    t.match(opts.stderr, /--target-opt healthLog: not a regular expression/);

    t.same(await leftovers(svc.docker, root), [], 'no container left behind by any of them');
  });
