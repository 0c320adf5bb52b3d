/**
 * `fleetlab k8s render`: the Indexed Job, ConfigMap, Service and results PVC, checked three ways:
 * kubectl decodes every document (offline: `--local`, because `apply/create --dry-run=client`
 * need a server's discovery API), every field is one the Kubernetes model declares (k8s-schema.ts),
 * and the fields the sharding relies on are what they must be. `--apply` against a kubeconfig
 * pointing at a closed port fails with FLEETLAB_ERR_KUBERNETES_APPLY naming the server.
 */
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { loadAllYaml } from '@kubernetes/client-node';
import { fleetlab } from '../../helpers/cli.ts';
import { schemaProblems } from './k8s-schema.ts';

// Each render is a fleetlab process that loads the scenario: slow on a busy host.
t.setTimeout(300_000);

const ARGS = ['k8s', 'render', 'scenarios/provision.ts', '--shards', '3', '--param', 'sites=6', '--param', 'timeScale=0', '--seed', '9'];

interface Obj {
  kind: string;
  metadata: { name: string };
  [k: string]: unknown;
}

t.test('renders four valid objects wired for an Indexed Job of 3 shards', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'job.yaml');
  const r = await fleetlab([...ARGS, '--out', file, '--image', 'registry.local/fleetlab:1']);
  t.equal(r.code, 0, r.stderr);
  const yaml = readFileSync(file, 'utf8');

  // kubectl reads every document as a Kubernetes object (no cluster needed with --local).
  const kubectl = execFileSync('kubectl', ['label', '--local', '-f', file, '-o', 'json', 'fleetlab.dev/checked=yes'], { encoding: 'utf8', env: { ...process.env, KUBECONFIG: join(dir, 'none') } });
  // One JSON object per document, back to back.
  const decoded = kubectl.split(/\n(?=\{)/).map((j) => JSON.parse(j) as Obj);
  t.same(decoded.map((o) => o.kind), ['ConfigMap', 'PersistentVolumeClaim', 'Service', 'Job'], 'kubectl decoded all four');
  t.ok(decoded.every((o) => (o.metadata as { labels?: Record<string, string> }).labels?.['fleetlab.dev/checked'] === 'yes'), 'and relabelled each');

  const objs = loadAllYaml(yaml) as Obj[];
  const models: Record<string, string> = { ConfigMap: 'V1ConfigMap', PersistentVolumeClaim: 'V1PersistentVolumeClaim', Service: 'V1Service', Job: 'V1Job' };
  for (const o of objs) t.same(schemaProblems(o, models[o.kind]!), [], `${o.kind}: every field is in the Kubernetes model`);
  t.same(schemaProblems({ kind: 'Job', spec: { completionMode: 'Indexed', parallelizm: 3 } }, 'V1Job'), ['$.spec.parallelizm: not a field of V1JobSpec'], 'the check catches a wrong field');

  const [cm, pvc, svc, job] = objs as [Obj, Obj, Obj, Obj];
  t.equal((cm.data as Record<string, string>)['provision.ts'], readFileSync('scenarios/provision.ts', 'utf8'), 'the scenario, byte for byte');
  t.match(pvc, { spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } } } });
  t.match(svc, { spec: { selector: { 'batch.kubernetes.io/job-name': 'fleetlab-provision', 'batch.kubernetes.io/job-completion-index': '0' }, ports: [{ port: 7070 }] } });
  const spec = job.spec as { completionMode: string; completions: number; parallelism: number; backoffLimitPerIndex: number; maxFailedIndexes: number; template: { spec: PodSpec } };
  t.match(spec, { completionMode: 'Indexed', completions: 3, parallelism: 3, backoffLimitPerIndex: 0, maxFailedIndexes: 3 });
  const pod = spec.template.spec;
  const shard = pod.containers[0]!;
  t.equal(shard.image, 'registry.local/fleetlab:1');
  t.same(shard.command, ['fleetlab', 'run', '/opt/fleetlab/scenarios-k8s/provision.ts', '--param', 'sites=6', '--param', 'timeScale=0', '--seed', '9', '--shard', '/3', '--out', '/results/shard-$(JOB_COMPLETION_INDEX)']);
  t.match(shard.env, [{ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } }, { name: 'FLEETLAB_COORDINATOR', value: 'http://fleetlab-provision-coordinator:7070' }]);
  t.match(pod.initContainers, [{ name: 'coordinator', restartPolicy: 'Always' }], 'coordinator as a native sidecar');
  t.match(pod.volumes, [{ configMap: { name: 'fleetlab-provision-scenario' } }, { persistentVolumeClaim: { claimName: 'fleetlab-provision-results' } }]);
});

interface PodSpec {
  containers: { image: string; command: string[]; env: unknown[] }[];
  initContainers: unknown[];
  volumes: unknown[];
}

t.test('bad input: exit 2 naming it, before anything is written', async (t) => {
  const more = await fleetlab(['k8s', 'render', 'scenarios/provision.ts', '--shards', '4', '--param', 'sites=3']);
  t.equal(more.code, 2);
  t.match(more.stderr, /shard 4\/4 gets no site: the lab has 3 site\(s\) for 4 shards/);
  const name = await fleetlab([...ARGS, '--name', 'Bad_Name']);
  t.equal(name.code, 2);
  t.match(name.stderr, /FLEETLAB_ERR_USAGE: --name 'Bad_Name': expected a DNS label/);
  const none = await fleetlab(['k8s', 'render', 'scenarios/provision.ts']);
  t.match(none.stderr, /--shards N is required/);
});

t.test('--apply with no reachable cluster: FLEETLAB_ERR_KUBERNETES_APPLY naming the server, exit 1', async (t) => {
  const dir = t.testdir();
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters: [{name: lab, cluster: {server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]\ncontexts: [{name: lab, context: {cluster: lab, user: u}}]\nusers: [{name: u, user: {token: t}}]\ncurrent-context: lab\n`,
  );
  const r = await fleetlab([...ARGS, '--out', join(dir, 'job.yaml'), '--apply'], { env: { KUBECONFIG: kubeconfig } });
  t.equal(r.code, 1, r.stderr);
  t.match(r.stderr, new RegExp(`FLEETLAB_ERR_KUBERNETES_APPLY: cluster https://127\\.0\\.0\\.1:${port} \\(context 'lab'\\): creating ConfigMap/fleetlab-provision-scenario in namespace default failed: .*ECONNREFUSED`));
  t.ok(readFileSync(join(dir, 'job.yaml'), 'utf8').includes('kind: Job'), 'the YAML is written before the apply');
});
