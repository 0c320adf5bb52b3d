/**
 * The `container` target through the real CLI with Podman's Docker API (runc; see podman-kit.ts):
 * fleetlab starts the server from a local image on the host network, waits for its health URL,
 * drives it through the mapping file, and removes the container afterwards (also after SIGTERM
 * mid-run); an image that does
 * not exist is bad input (exit 2) and leaves no container.
 */
import t from 'tap';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fleetlab, ROOT } from '../../../helpers/cli.ts';
import { readEvents } from '../../../helpers/run-json.ts';
import { TEST_IMAGE, ensureTestImage, podmanAvailable, startPodmanService } from './podman-kit.ts';

const MAPPING = 'test/harness/targets/external/fixtures/reference-mapping.json';

const tcpPort = () => new Promise<number>((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); }); });
const udpPort = () => new Promise<number>((resolve) => { const s = createSocket('udp4').bind(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); }); });

if (!podmanAvailable()) t.fail('podman and runc are required (apt-get install podman runc)');
else
  t.test('container target: provisions through the mapping file, container removed afterwards', async (t) => {
    const svc = await startPodmanService();
    t.teardown(() => svc.stop());
    ensureTestImage(svc.env);
    const docker = svc.docker;
    const [http, dhcp, tftp] = [await tcpPort(), await udpPort(), await udpPort()];
    const out = t.testdir();
    const opts = [
      `image=${TEST_IMAGE}`,
      `docker=unix://${svc.socket}`,
      `cmd=/usr/bin/node --import tsx ${ROOT}/test/harness/targets/container/fixtures/reference-server-main.ts`,
      `env=SITES=2;HTTP_PORT=${http};DHCP_PORT=${dhcp};TFTP_PORT=${tftp}`,
      `volumes=/usr:/usr:ro;${ROOT}:${ROOT}:ro;${realpathSync(join(ROOT, 'node_modules'))}:${realpathSync(join(ROOT, 'node_modules'))}:ro`,
      `workdir=${ROOT}`,
      `api=http://127.0.0.1:${http}`,
      `dhcp=127.0.0.1:${dhcp}`,
      `tftp=127.0.0.1:${tftp}`,
      `mapping=${MAPPING}`,
      'healthTimeout=120',
    ];
    const r = await fleetlab(['run', 'scenarios/provision.ts', '--param', 'sites=2', '--param', 'nodesPerSite=2', '--param', 'timeScale=0', '--target', 'container', ...opts.flatMap((o) => ['--target-opt', o]), '--json', '--out', out], { timeoutMs: 240_000 });
    const events = readEvents<{ kind: string; msg?: string; reason?: string }>(out);
    const logs = events.filter((e) => e.kind === 'log').map((e) => e.msg ?? '');
    t.equal(r.code, 0, `${r.stderr}${events.at(-1)?.reason ?? ''}\n${logs.join('\n')}`);
    t.match(JSON.parse(r.stdout || '{}'), { status: 'passed', nodes: { total: 4, ready: 4, failed: 0 } });
    t.ok(logs.some((m) => /^container: reference server ready: http:\/\/127\.0\.0\.1:/.test(m)), "the container's log is in the event log");
    t.ok(logs.some((m) => /^container [0-9a-f]{12} from localhost\/fleetlab-test-host:1 \(image sha256:[0-9a-f]{64}/.test(m)), 'image id recorded');
    const left = await docker.listContainers({ all: true, filters: { label: [`fleetlab.run=${out}`] } });
    t.equal(left.length, 0, 'no container left behind');

    // SIGTERM while the container runs: the run tears down and the container is removed.
    const out2 = join(out, 'sigterm');
    let sent = false;
    const term = await fleetlab(['run', 'scenarios/provision.ts', '--param', 'sites=2', '--param', 'nodesPerSite=2', '--param', 'timeScale=0.5', '--target', 'container', ...opts.flatMap((o) => ['--target-opt', o]), '--out', out2], {
      timeoutMs: 240_000,
      onSpawn: (child) => {
        const poll = setInterval(() => {
          void docker.listContainers({ filters: { label: [`fleetlab.run=${out2}`], status: ['running'] } }).then((l) => {
            if (l.length === 0 || sent) return;
            sent = true;
            clearInterval(poll);
            setTimeout(() => child.kill('SIGTERM'), 1000);
          });
        }, 200);
        child.once('close', () => clearInterval(poll));
      },
    });
    t.ok(sent, 'SIGTERM sent while the container ran');
    t.equal(term.code, 143, term.stderr);
    t.equal((await docker.listContainers({ all: true, filters: { label: [`fleetlab.run=${out2}`] } })).length, 0, 'no container left after SIGTERM');

    const bad = await fleetlab(['run', 'scenarios/provision.ts', '--param', 'sites=1', '--param', 'nodesPerSite=1', '--target', 'container', '--target-opt', `image=localhost/no-such-image:0,docker=unix://${svc.socket},api=http://127.0.0.1:${http},dhcp=127.0.0.1:${dhcp},tftp=127.0.0.1:${tftp},mapping=${MAPPING}`, '--out', join(out, 'bad')]);
    t.equal(bad.code, 2, bad.stderr);
    t.match(bad.stderr, /FLEETLAB_ERR_CONTAINER_IMAGE: --target-opt image=localhost\/no-such-image:0: no such local image/);
    t.equal((await docker.listContainers({ all: true, filters: { label: ['fleetlab.target=container'] } })).filter((c) => c.Labels['fleetlab.run']?.startsWith(out)).length, 0, 'none left after a bad image');
  });
