/**
 * The baseline most rollout and chaos scenarios start from: every node provisioned with one image
 * as one step, and an expectation that the whole fleet is ready before the interesting part.
 *
 *   step(`provision <image>`): target.provision(all) ─▶ lab.waitReady(all, since 0) ─▶ expect.readyRatio(expectation, 1)
 */
import type { Params, RunContext } from './scenario.ts';
import type { ImageRef } from './targets/target.ts';

export async function provisionFleet(ctx: RunContext<Params>, image: ImageRef, o: { expectation: string; readyTimeoutMs?: number }): Promise<void> {
  const { lab, target, step, expect } = ctx;
  await step(`provision ${image.name}`, async () => {
    await target.provision(lab.nodes, image);
    await lab.waitReady(lab.nodes, { since: 0, ...(o.readyTimeoutMs !== undefined ? { timeoutMs: o.readyTimeoutMs } : {}) });
  });
  expect.readyRatio(o.expectation, 1);
}
