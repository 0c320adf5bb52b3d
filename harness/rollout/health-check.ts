/**
 * Health check after a node booted from disk: the node reports what it runs (a sim node: the
 * image on the disk it wrote; `NodeHandle.diskImage()`), which must be the expected image, it must
 * still be powered on, and the running image's own probe must pass on this hardware (modelled
 * defects, see rollout-image.ts).
 */
import type { NodeHandle } from '../scenario.ts';
import type { RolloutImage } from './rollout-image.ts';

export interface HealthResult {
  ok: boolean;
  /** The image the node reports it runs (null: blank disk). */
  runs: string | null;
  /** Why it failed, naming node, image and hardware. */
  detail?: string;
  /**
   * The install did not take (the node came up on another image, e.g. its PXE boot failed and the
   * firmware fell back to the disk): provisioning again may help. A defect of the expected image
   * itself is not retryable.
   */
  retryable?: boolean;
}

/** A custom check gets the node, the image it should run, and every image the rollout knows by name. */
export type HealthCheck = (node: NodeHandle, expected: RolloutImage, known: ReadonlyMap<string, RolloutImage>) => HealthResult;

export const defaultHealthCheck: HealthCheck = (node, expected, known) => {
  const runs = node.diskImage();
  if (node.power() !== 'on') return { ok: false, runs, retryable: true, detail: `${node.name} is powered off` };
  if (runs !== expected.name) return { ok: false, runs, retryable: true, detail: `${node.name} runs ${runs ?? 'no image (blank disk)'}, expected ${expected.name}` };
  const image = known.get(runs);
  if (image?.badOn?.includes(node.profile)) return { ok: false, runs, detail: `${node.name} runs ${runs} but its health probe fails on hardware profile ${node.profile}` };
  return { ok: true, runs };
};
