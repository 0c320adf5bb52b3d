/**
 * `fleetlab k8s render --apply`: create the rendered objects in the current kubeconfig context's
 * cluster (KUBECONFIG, else ~/.kube/config, else in-cluster), in order (ConfigMap, PVC, Service,
 * then the Job that uses them). An unreachable cluster or a refused object is one
 * FLEETLAB_ERR_KUBERNETES_APPLY naming the server and the object; objects created before it stay
 * (kubectl apply does the same) and are listed, so a retry or `kubectl delete` knows what exists.
 */
import { KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { FleetlabError } from '../../lab/base/errors.ts';

export async function applyObjects(objects: KubernetesObject[]): Promise<string[]> {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new FleetlabError('KUBERNETES_APPLY', `no current cluster in the kubeconfig (${process.env.KUBECONFIG ?? '~/.kube/config'}; context '${kc.getCurrentContext()}')`);
  const api = KubernetesObjectApi.makeApiClient(kc);
  const created: string[] = [];
  for (const o of objects) {
    const id = `${o.kind}/${o.metadata?.name} in namespace ${o.metadata?.namespace}`;
    try {
      await api.create(o);
      created.push(id);
    } catch (e) {
      throw new FleetlabError('KUBERNETES_APPLY', `cluster ${cluster.server} (context '${kc.getCurrentContext()}'): creating ${id} failed: ${errorText(e)}${created.length ? `; created before: ${created.join(', ')}` : ''}`);
    }
  }
  return created;
}

/** The API server's message (an ApiException's body) or the transport error. */
function errorText(e: unknown): string {
  const body = (e as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      return body;
    }
  }
  const cause = (e as { cause?: { message?: string }; message?: string }).cause?.message;
  return cause ?? (e as Error).message ?? String(e);
}
