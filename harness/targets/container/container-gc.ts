/**
 * `fleetlab lab gc`'s container part: containers the container target started for a run that
 * was killed before it could remove them, found by label (container-engine.ts).
 *
 *   list fleetlab.run-labelled containers ─▶ --run ID ? runId label = ID : owner pid gone
 *   ─▶ remove (force)                       engine not reachable ─▶ nothing to do, said so
 *
 * A container whose fleetlab process still runs is left alone unless its run is named.
 */
import { pidAlive } from '../../../lab/base/host-lock.ts';
import { CONTAINER_LABEL, OWNER_LABEL, RUN_ID_LABEL, dockerClient } from './container-engine.ts';

export interface ContainerGcResult {
  /** Container ids (12 chars) removed, or that would be with dryRun. */
  containers: string[];
  /** Why nothing was looked at (no engine), else undefined. */
  skipped?: string;
}

export async function gcContainers(o: { docker?: string; runId?: string; dryRun?: boolean }): Promise<ContainerGcResult> {
  const docker = dockerClient(o.docker);
  let list;
  try {
    list = await docker.listContainers({ all: true, filters: { label: [CONTAINER_LABEL] } });
  } catch (e) {
    return { containers: [], skipped: `container engine not reachable (${(e as Error).message})` };
  }
  const dead = list.filter((c) => {
    if (o.runId !== undefined) return c.Labels[RUN_ID_LABEL] === o.runId;
    const owner = Number(c.Labels[OWNER_LABEL]);
    return !(Number.isInteger(owner) && owner > 0 && pidAlive(owner));
  });
  if (!o.dryRun) await Promise.all(dead.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  return { containers: dead.map((c) => c.Id.slice(0, 12)) };
}
