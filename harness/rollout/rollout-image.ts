/**
 * A rollout image: a target image plus what the lab knows about its behaviour on hardware.
 *
 * Modelled defects (how "the new image fails on 30 % of hardware profiles" is simulated): a sim
 * node really downloads, verifies and writes the image and really boots it from disk; what the
 * simulator cannot know is whether the OS inside works on a given machine. `badOn` declares that
 * (e.g. a missing NIC driver for one hardware profile): the post-boot health probe
 * (health-check.ts) of a node RUNNING that image on one of those profiles reports failure, exactly
 * as an OS's own readiness probe would. The rollout engine never reads `badOn`: it learns about
 * the defect only through the probe, node by node, like a real pipeline.
 */
import type { ImageRef } from '../targets/target.ts';

export interface RolloutImage extends ImageRef {
  /** Hardware profile names on which this image boots but fails its health probe. */
  badOn?: readonly string[];
}

/** Attach modelled defects to an image (`withDefects(target.image('os-2', 1e6), {badOn: ['hw-c']})`). */
export function withDefects(image: ImageRef, defects: { badOn?: readonly string[] }): RolloutImage {
  return { ...image, ...(defects.badOn && defects.badOn.length ? { badOn: [...defects.badOn] } : {}) };
}
