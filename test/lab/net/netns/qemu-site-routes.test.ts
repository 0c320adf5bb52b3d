/**
 * A qemu site waits while another run — one that does not share fleetlab's host lock (an older
 * fleetlab, another lock dir) — still holds its index's host routes, instead of failing with
 * "RTNETLINK: File exists"; it goes ahead once they are gone (root: netns, veth, dnsmasq).
 */
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createQemuSite } from '../../../../lab/net/netns/qemu-site.ts';
import { sh, trySh } from '../../../../lab/net/netns/sh.ts';
import type { EventBody } from '../../../../lab/base/event.ts';

const INDEX = 201;
const FOREIGN = `fl-zzfor-${INDEX}h`;

t.test('a site waits for a foreign holder of its routes, then comes up', async (t) => {
  await trySh('ip', ['link', 'del', FOREIGN]);
  await sh('ip', ['link', 'add', FOREIGN, 'type', 'veth', 'peer', 'name', `fl-zzfor-${INDEX}p`]);
  t.teardown(() => trySh('ip', ['link', 'del', FOREIGN]));
  await sh('ip', ['link', 'set', FOREIGN, 'up']);
  await sh('ip', ['route', 'add', `10.214.${INDEX}.2/32`, 'dev', FOREIGN]);

  const events: EventBody[] = [];
  const pending = createQemuSite({ runId: `routes-${process.pid}-${Date.now()}`, index: INDEX, site: 'edge-r', core: { dhcpPort: 6767 }, engine: 'kernel', workDir: mkdtempSync(join(tmpdir(), 'fl-routes-')), events: { emit: (e) => events.push(e) } });
  let settled = false;
  void pending.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (const end = Date.now() + 120_000; Date.now() < end && !events.some((e) => e.kind === 'log' && /another run holds its host routes/.test(e.msg)); ) await new Promise((r) => setTimeout(r, 200));
  t.match(events.find((e) => e.kind === 'log' && /another run holds/.test(e.msg)), { msg: new RegExp(`10\\.214\\.${INDEX}\\.2 dev ${FOREIGN}`) }, 'it says whose routes it waits for');
  t.equal(settled, false, 'and waits instead of failing');

  await sh('ip', ['link', 'del', FOREIGN]); // the other run ends
  const site = await pending;
  t.teardown(() => site.teardown());
  const routes = (await sh('ip', ['-4', 'route', 'show', 'exact', `10.214.${INDEX}.2/32`])).stdout;
  t.match(routes, new RegExp(`dev ${site.names.hostVeth}`), 'then it takes the routes itself');
});
