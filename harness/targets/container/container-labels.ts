/**
 * What the container target records about a container: the labels it puts on one (so `lab gc`
 * finds a killed run's leftovers) and the version it reports for run.json (`target.version`).
 */
import type Docker from 'dockerode';
import type { PluginContext } from '../plugin/define-target.ts';
import { CONTAINER_LABEL, RUN_ID_LABEL } from './container-engine.ts';

export function containerLabels(ctx: Pick<PluginContext<unknown>, 'runDir' | 'runId'>): Record<string, string> {
  return { [CONTAINER_LABEL]: ctx.runDir, 'fleetlab.target': 'container', ...(ctx.runId ? { [RUN_ID_LABEL]: ctx.runId } : {}) };
}

/** image ref, id, first repo digest and every image label (`label.<name>`). */
export function imageVersion(ref: string, image: Docker.ImageInspectInfo): Record<string, string> {
  const labels = Object.entries(image.Config.Labels ?? {}).map(([k, v]) => [`label.${k}`, v]);
  return { image: ref, imageId: image.Id, ...(image.RepoDigests?.[0] ? { digest: image.RepoDigests[0] } : {}), ...Object.fromEntries(labels) };
}
