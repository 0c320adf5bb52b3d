/**
 * `--target kea` with qemu-tier sites is refused up front, with the reason and what to use
 * instead, before any namespace or VM exists (exit 2, stable code).
 */
import t from 'tap';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fleetlab } from '../../../helpers/cli.ts';

t.test('kea + qemu sites: exit 2, FLEETLAB_ERR_PARAM_INVALID naming the sites and the alternatives', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'fl-kea-qemu-'));
  const r = await fleetlab(['run', 'scenarios/provision.ts', '--target', 'kea', '--param', 'tier=qemu', '--param', 'sites=1', '--param', 'nodesPerSite=1', '--out', out], { timeoutMs: 60_000 });
  t.equal(r.code, 2);
  t.match(r.stderr, /FLEETLAB_ERR_PARAM_INVALID: target kea: qemu-tier sites \(site-000\) are not supported yet .*use --target dnsmasq or reference/);
  const events = readFileSync(join(out, 'events.ndjson'), 'utf8');
  t.notMatch(events, /"kind":"node\.power"/, 'no VM was started');
});
