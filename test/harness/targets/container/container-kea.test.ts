/**
 * The kea scenario (provision.ts) with Kea in a container: `--target container --target-opt
 * image=<local kea image>` (built from this host's kea-dhcp4-server package, fixtures/images/
 * kea-image.ts; its fleetlab.server=kea label picks the server kind) provisions 30 sim nodes,
 * Kea's own lease file lists them, run.json records the image digest, and no container is left:
 * after the run, after SIGTERM mid-run, and after kill -9 + `fleetlab lab gc --run ID`.
 * Needs root (Kea on port 67) and podman + runc.
 */
import t from 'tap';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { fleetlab } from '../../../helpers/cli.ts';
import { readEvents } from '../../../helpers/run-json.ts';
import { parseKeaLeases } from '../../../../harness/targets/dhcp-daemon/dhcp-lease.ts';
import { ensureKeaImage } from '../../../../fixtures/images/kea-image.ts';
import { leftovers, podmanAvailable, startPodmanService, type PodmanService } from './podman-kit.ts';

/** Sends `signal` to the run once its container runs (polled by label); resolves whether it was sent. */
function signalWhenRunning(svc: PodmanService, out: string, signal: NodeJS.Signals) {
  let sent = false;
  return {
    sent: () => sent,
    onSpawn(child: ChildProcess) {
      const poll = setInterval(() => {
        void svc.docker.listContainers({ filters: { label: [`fleetlab.run=${out}`], status: ['running'] } }).then((l) => {
          if (l.length === 0 || sent) return;
          sent = true;
          clearInterval(poll);
          setTimeout(() => child.kill(signal), 1000);
        }, () => undefined);
      }, 200);
      child.once('close', () => clearInterval(poll));
    },
  };
}

if (!podmanAvailable()) t.fail('podman and runc are required (apt-get install podman runc)');
else if (process.getuid?.() !== 0) t.fail('root is required (Kea serves DHCP on port 67)');
else
  t.test('Kea in a container: 30 nodes, version recorded, no container left on any exit path', async (t) => {
    const svc = await startPodmanService();
    t.teardown(() => svc.stop());
    const image = ensureKeaImage(svc.env);
    const root = t.testdir();
    const opts = ['--target', 'container', '--target-opt', `image=${image},docker=unix://${svc.socket}`];

    const out = join(root, 'ok');
    const r = await fleetlab(['run', 'scenarios/provision.ts', '--param', 'sites=6', '--param', 'nodesPerSite=5', ...opts, '--json', '--out', out], { timeoutMs: 280_000 });
    const logs = readEvents<{ kind: string; msg?: string }>(out).filter((e) => e.kind === 'log').map((e) => e.msg ?? '');
    t.equal(r.code, 0, 'exit 0', { stderr: r.stderr, logs: logs.slice(-20) });
    t.match(JSON.parse(r.stdout || '{}'), { status: 'passed', nodes: { total: 30, ready: 30, failed: 0 } });
    t.ok(logs.some((m) => /^container: .*DHCP4_STARTED/.test(m)), "Kea's log (from the container) is in the event log");
    t.ok(logs.some((m) => /^container [0-9a-f]{12} from localhost\/fleetlab-kea:.* runs kea-dhcp4/.test(m)), 'Kea ran in the container');
    const leases = parseKeaLeases(readFileSync(join(out, 'kea', 'kea-leases4.csv'), 'utf8'));
    t.equal(new Set(leases.map((l) => l.mac)).size, 30, "the containerised Kea's lease file lists all 30 nodes");
    const inspect = await svc.docker.getImage(image).inspect();
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { target: { name: string; version: Record<string, string> } };
    t.equal(run.target.name, 'container');
    t.match(run.target.version, { image, imageId: inspect.Id, digest: inspect.RepoDigests?.[0], 'label.fleetlab.server': 'kea', 'label.org.opencontainers.image.version': /^\d+\.\d+/ }, 'run.json records the image id, digest and labels');
    t.same(await leftovers(svc.docker, root), [], 'no container left after the run');

    const term = join(root, 'sigterm');
    const ts = signalWhenRunning(svc, term, 'SIGTERM');
    const rt = await fleetlab(['run', 'scenarios/provision.ts', '--param', 'sites=6', '--param', 'nodesPerSite=5', '--param', 'timeScale=0.5', ...opts, '--out', term], { timeoutMs: 240_000, onSpawn: (c) => ts.onSpawn(c) });
    t.ok(ts.sent(), 'SIGTERM sent while the container ran');
    t.equal(rt.code, 143, 'exit 143', { stderr: rt.stderr });
    t.same(await leftovers(svc.docker, root), [], 'no container left after SIGTERM');

    const killed = join(root, 'kill9');
    const tk = signalWhenRunning(svc, killed, 'SIGKILL');
    const rk = await fleetlab(['run', 'scenarios/provision.ts', '--param', 'sites=6', '--param', 'nodesPerSite=5', '--param', 'timeScale=0.5', ...opts, '--out', killed], { timeoutMs: 240_000, onSpawn: (c) => tk.onSpawn(c) });
    t.ok(tk.sent(), 'SIGKILL sent while the container ran');
    t.equal(rk.signal, 'SIGKILL');
    const left = await leftovers(svc.docker, killed);
    t.equal(left.length, 1, 'kill -9 leaves the container (nothing could remove it)');
    const runId = readEvents<{ kind: string; runId?: string }>(killed).find((e) => e.kind === 'run.start')!.runId!;
    const gc = await fleetlab(['lab', 'gc', '--run', runId, '--docker', `unix://${svc.socket}`]);
    t.equal(gc.code, 0, gc.stderr);
    t.match(gc.stdout, new RegExp(`removed 1 containers \\(${left[0]!.slice(0, 12)}\\)`));
    t.same(await leftovers(svc.docker, root), [], 'lab gc removed it');
  });
