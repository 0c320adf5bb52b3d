/**
 * A sharded run as Kubernetes objects, typed with @kubernetes/client-node's models (the API's
 * own OpenAPI-generated types, so a misspelt field fails tsc rather than the cluster):
 *
 *   ConfigMap <name>-scenario   the scenario file, mounted inside the image's checkout (its
 *                               relative `../harness/index.ts` import resolves there)
 *   PVC <name>-results          ReadWriteMany: every pod writes /results/shard-<index>/
 *   Service <name>-coordinator  selects pod index 0 (batch.kubernetes.io/job-completion-index)
 *   Job <name>                  Indexed, completions = parallelism = N; a failed index is not
 *                               retried (backoffLimitPerIndex 0) and does not stop the others
 *                               (maxFailedIndexes N): `fleetlab merge` reports it as died
 *
 * Each pod runs `fleetlab run … --shard /N` (JOB_COMPLETION_INDEX from the downward API) with its
 * own target for its slice: sim-tier relays live on the pod's loopback, where a target in another
 * pod cannot answer them. Pod 0 also runs `fleetlab serve coordinator` as a native sidecar
 * (restartPolicy Always: stopped by the kubelet when the shard ends); every shard meets the
 * others there once its lab is up (shard-barrier.ts).
 */
import { basename } from 'node:path';
import type { V1ConfigMap, V1Container, V1EnvVar, V1Job, V1PersistentVolumeClaim, V1Service, KubernetesObject } from '@kubernetes/client-node';

export const COORDINATOR_PORT = 7070;
/** Where the Containerfile puts the checkout. */
export const APP_DIR = '/opt/fleetlab';

export interface ShardJobOptions {
  name: string;
  namespace: string;
  image: string;
  shards: number;
  scenarioFile: string;
  scenarioText: string;
  /** `fleetlab run` arguments after the scenario: --param/--seed/--target/--target-opt. */
  runArgs: string[];
  storage: string;
  storageClass?: string;
}

export function shardJobObjects(o: ShardJobOptions): KubernetesObject[] {
  const meta = (suffix: string) => ({ name: `${o.name}${suffix}`, namespace: o.namespace, labels: { 'app.kubernetes.io/name': 'fleetlab', 'fleetlab.dev/run': o.name } });
  const scenarioKey = basename(o.scenarioFile);
  const configMap: V1ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('-scenario'), data: { [scenarioKey]: o.scenarioText } };
  const pvc: V1PersistentVolumeClaim = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: meta('-results'),
    spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: o.storage } }, ...(o.storageClass ? { storageClassName: o.storageClass } : {}) },
  };
  const service: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('-coordinator'),
    spec: { selector: { 'batch.kubernetes.io/job-name': o.name, 'batch.kubernetes.io/job-completion-index': '0' }, ports: [{ name: 'coordinator', port: COORDINATOR_PORT, targetPort: COORDINATOR_PORT, protocol: 'TCP' }] },
  };
  return [configMap, pvc, service, job(o, meta(''), scenarioKey)];
}

function job(o: ShardJobOptions, metadata: V1Job['metadata'], scenarioKey: string): V1Job {
  const indexEnv: V1EnvVar = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } };
  const coordinator: V1Container = {
    name: 'coordinator',
    image: o.image,
    restartPolicy: 'Always',
    env: [indexEnv],
    command: ['sh', '-c', `if [ "$JOB_COMPLETION_INDEX" = 0 ]; then exec fleetlab serve coordinator --host 0.0.0.0 --port ${COORDINATOR_PORT}; else exec sleep infinity; fi`],
    ports: [{ name: 'coordinator', containerPort: COORDINATOR_PORT }],
  };
  const shard: V1Container = {
    name: 'shard',
    image: o.image,
    workingDir: APP_DIR,
    env: [indexEnv, { name: 'FLEETLAB_COORDINATOR', value: `http://${o.name}-coordinator:${COORDINATOR_PORT}` }],
    command: ['fleetlab', 'run', `${APP_DIR}/scenarios-k8s/${scenarioKey}`, ...o.runArgs, '--shard', `/${o.shards}`, '--out', '/results/shard-$(JOB_COMPLETION_INDEX)'],
    volumeMounts: [
      { name: 'scenario', mountPath: `${APP_DIR}/scenarios-k8s`, readOnly: true },
      { name: 'results', mountPath: '/results' },
    ],
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata,
    spec: {
      completionMode: 'Indexed',
      completions: o.shards,
      parallelism: o.shards,
      backoffLimitPerIndex: 0,
      maxFailedIndexes: o.shards,
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'fleetlab', 'fleetlab.dev/run': o.name } },
        spec: {
          restartPolicy: 'Never',
          initContainers: [coordinator],
          containers: [shard],
          volumes: [
            { name: 'scenario', configMap: { name: `${o.name}-scenario` } },
            { name: 'results', persistentVolumeClaim: { claimName: `${o.name}-results` } },
          ],
        },
      },
    },
  };
}
