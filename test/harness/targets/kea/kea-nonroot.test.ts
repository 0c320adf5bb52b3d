/**
 * A non-root Kea start (port 67 refused) used to print ~3 kB of Kea's log as one line: the error
 * now carries the one line that says why, without Kea's timestamp/thread prefix. Real Kea, run
 * as nobody.
 */
import t from 'tap';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asNobody } from '../../../helpers/as-nobody.ts';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'kea-start.ts');

t.test('Kea on port 67 as nobody: one line naming the socket failure', async (t) => {
  const r = await asNobody([process.execPath, '--import=tsx', CHILD]);
  t.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { code?: string; message?: string };
  t.equal(out.code, 'FLEETLAB_ERR_TARGET_START');
  const msg = out.message ?? '';
  t.match(msg, /^kea-dhcp4: failed to start: DHCPSRV_OPEN_SOCKET_FAIL .*port=67/, 'the fatal line, prefix stripped');
  t.notMatch(msg, /\n|\|/, 'one line, not a joined log tail');
  t.notMatch(msg, /\bINFO\b|\d{4}-\d\d-\d\d \d\d:/, 'no INFO lines, no timestamps');
  t.ok(msg.length <= 340, `short (${msg.length} chars)`);
});
