/**
 * A qemu-tier run that starts removes the leftovers of dead runs (owner pid gone) and leaves a
 * live run's alone (root: network namespaces and links). Two claims of the same run id (same
 * scenario, seed and second) get different name tags.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { listLeftovers } from '../../../../lab/net/netns/gc.ts';
import { claimRunTag, runPrefixes } from '../../../../lab/net/netns/run-owner.ts';
import { startQemuTier } from '../../../../lab/nodes/qemu/qemu-tier.ts';
import { sh, trySh } from '../../../../lab/net/netns/sh.ts';
import type { EventBody } from '../../../../lab/base/event.ts';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'claim-run-tag.ts');

/** A child that claims a tag for `runId`; resolves with the tag and the child. */
function claimInChild(runId: string, holdMs: number): Promise<{ tag: string; exited: Promise<void>; kill(): void }> {
  const p = spawn(process.execPath, ['--import=tsx', CHILD, runId, String(holdMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  return new Promise((resolve, reject) => {
    createInterface({ input: p.stdout! }).once('line', (tag) => resolve({ tag, exited, kill: () => p.kill('SIGKILL') }));
    p.once('exit', (code) => reject(new Error(`claim child exited ${code}`)));
  });
}

async function leftover(tag: string): Promise<void> {
  await sh('ip', ['netns', 'add', `fl-${tag}-s0`]);
  await sh('ip', ['link', 'add', `fl-${tag}-0h`, 'type', 'veth', 'peer', 'name', 'wan0', 'netns', `fl-${tag}-s0`]);
}

t.test('a starting run removes a dead run\'s leftovers and leaves a live one\'s', async (t) => {
  const stamp = `${process.pid}-${Date.now()}`;
  const dead = await claimInChild(`owner-test-dead-${stamp}`, 0);
  await dead.exited;
  const live = await claimInChild(`owner-test-live-${stamp}`, 600_000);
  t.teardown(async () => {
    live.kill();
    await live.exited;
    for (const tag of [dead.tag, live.tag]) {
      await trySh('ip', ['link', 'del', `fl-${tag}-0h`]);
      await trySh('ip', ['netns', 'del', `fl-${tag}-s0`]);
    }
  });
  await leftover(dead.tag);
  await leftover(live.tag);

  const events: EventBody[] = [];
  const tier = await startQemuTier({ runId: `owner-test-starter-${stamp}`, workDir: mkdtempSync(join(tmpdir(), 'fl-owner-')), events: { emit: (e) => events.push(e) }, sites: [], nodes: [], core: { dhcpPort: 1 } });
  await tier.close();

  const deadLeft = await listLeftovers(`fl-${dead.tag}-`);
  t.same({ netns: deadLeft.netns, links: deadLeft.links }, { netns: [], links: [] }, 'the dead run\'s namespace and link are gone');
  const liveLeft = await listLeftovers(`fl-${live.tag}-`);
  t.same({ netns: liveLeft.netns, links: liveLeft.links }, { netns: [`fl-${live.tag}-s0`], links: [`fl-${live.tag}-0h`] }, 'the live run\'s are untouched');
  t.ok(events.some((e) => e.kind === 'log' && e.msg.includes(dead.tag)), 'the removal is reported');
});

t.test('the same run id claimed twice (same scenario, seed and second) gets two tags', async (t) => {
  const runId = `owner-test-same-${process.pid}-${Date.now()}`;
  const a = claimRunTag(runId);
  const b = claimRunTag(runId);
  t.teardown(() => {
    a.release();
    b.release();
  });
  t.not(a.tag, b.tag);
  t.same(runPrefixes(runId).sort(), [`fl-${a.tag}-`, `fl-${b.tag}-`].sort(), '`lab gc --run ID` finds both');
});
