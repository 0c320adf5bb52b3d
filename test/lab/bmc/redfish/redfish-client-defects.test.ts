/**
 * Defects real clients found (issue 20), each driven by the client that showed it: curl for
 * request bodies with a non-JSON Content-Type and for `$` query parameters, python3-sushy for the
 * service root's TaskService link.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startRedfishServer } from '../../../../lab/bmc/redfish/redfish-server.ts';
import { rfClient } from './fixtures/redfish-client.ts';
import { fakeSystems } from './fixtures/systems.ts';

const run = promisify(execFile);
const sushyTasks = fileURLToPath(new URL('./fixtures/sushy-task-service.py', import.meta.url));

/** curl as a user types it; returns the status and the parsed JSON body (if any). */
async function curl(url: string, args: string[]): Promise<{ status: number; body: any }> {
  const r = await run('curl', ['-s', '-u', 'admin:password', '-o', '-', '-w', '\n%{http_code}', ...args, url]);
  const i = r.stdout.lastIndexOf('\n');
  const text = r.stdout.slice(0, i);
  return { status: Number(r.stdout.slice(i + 1)), body: text ? JSON.parse(text) : undefined };
}
const messageId = (b: any) => b?.error?.['@Message.ExtendedInfo']?.[0]?.MessageId;

t.test('a body with a non-JSON Content-Type is 415 and changes nothing (curl)', async (t) => {
  const sys = fakeSystems(1);
  const srv = await startRedfishServer({ systems: sys });
  t.teardown(() => srv.close());
  const reset = `${srv.url}/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset`;
  const s0 = `${srv.url}/redfish/v1/Systems/sys-0`;

  const plain = await curl(reset, ['-X', 'POST', '-H', 'Content-Type: text/plain', '-d', '{"ResetType": "On"}']);
  t.equal(plain.status, 415, 'text/plain POST Reset');
  t.equal(messageId(plain.body), 'Base.1.15.UnrecognizedRequestBody');
  t.match(plain.body.error.message, /Content-Type 'text\/plain'.*application\/json/);
  t.equal(sys[0]!.machine.power(), 'off', 'the system was not powered on');

  // curl -d without -H sends application/x-www-form-urlencoded.
  const form = await curl(s0, ['-X', 'PATCH', '-d', '{"Boot": {"BootSourceOverrideTarget": "Pxe", "BootSourceOverrideEnabled": "Once"}}']);
  t.equal(form.status, 415, 'form-encoded PATCH');
  t.equal(sys[0]!.machine.bootOverride.target, 'none', 'the boot setting did not change');

  const json = await curl(reset, ['-X', 'POST', '-H', 'Content-Type: application/json; charset=utf-8', '-d', '{"ResetType": "On"}']);
  t.equal(json.status, 204, 'application/json with a charset parameter is accepted');
  t.equal(sys[0]!.machine.power(), 'on');
  // Decision: a body without Content-Type is read as JSON (DSP0266 says clients shall send it;
  // scripts built on raw sockets or minimal HTTP libraries often omit it).
  const bare = await fetch(reset, {
    method: 'POST',
    headers: { Authorization: 'Basic ' + Buffer.from('admin:password').toString('base64') },
    body: new Uint8Array(Buffer.from('{"ResetType": "ForceOff"}')),
  });
  t.equal(bare.status, 204, 'no Content-Type: read as JSON');
  t.equal(sys[0]!.machine.power(), 'off');
  const empty = await curl(`${srv.url}/redfish/v1/Managers/sys-0/VirtualMedia/Cd/Actions/VirtualMedia.EjectMedia`, ['-X', 'POST', '-H', 'Content-Type: text/plain']);
  t.equal(empty.status, 204, 'an empty body carries no media type to refuse');
  const unauth = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'POST', '-H', 'Content-Type: text/plain', '-d', 'x', reset]);
  t.equal(unauth.stdout, '401', 'credentials are checked before the body');
});

t.test('unsupported $ query parameters are 501 QueryNotSupported, as ProtocolFeaturesSupported says (curl)', async (t) => {
  const srv = await startRedfishServer({ systems: fakeSystems(1) });
  t.teardown(() => srv.close());
  const root = await rfClient(srv.url).get('/redfish/v1/');
  const f = root.body.ProtocolFeaturesSupported;
  t.same(f.ExpandQuery, { ExpandAll: false, Levels: false, Links: false, NoLinks: false, MaxLevels: 0 }, 'no $expand form is claimed');
  t.same([f.FilterQuery, f.SelectQuery, f.OnlyMemberQuery, f.ExcerptQuery, f.TopSkipQuery], [false, false, false, false, false]);
  for (const q of ['$select=PowerState', '$expand=*', '$expand=.($levels=1)', '$filter=PowerState%20eq%20%27On%27', '$top=1', '$skip=1', '$frobnicate=1', '%24select=Id', 'only']) {
    const r = await curl(`${srv.url}/redfish/v1/Systems?${q}`, ['-g']);
    if (q === 'only') {
      t.equal(r.status, 200, '`only` (no $) is ignored like any non-$ parameter');
      continue;
    }
    t.equal(r.status, 501, `?${q}`);
    t.equal(messageId(r.body), 'Base.1.15.QueryNotSupported', `?${q}`);
  }
  t.equal((await curl(`${srv.url}/redfish/v1/Systems/sys-0?foo=bar&x`, [])).status, 200, 'non-$ parameters are ignored');
  t.equal((await curl(`${srv.url}/redfish/v1/?$select=Id`, ['-g'])).status, 501, 'also on the public service root');
  const nf = await curl(`${srv.url}/redfish/v1/Nope?$top=1`, ['-g']);
  t.equal(nf.status, 404, 'a missing resource is 404 whatever the query');
});

t.test('the service root links the TaskService as `Tasks`, which python3-sushy follows', async (t) => {
  const srv = await startRedfishServer({ systems: fakeSystems(1) });
  t.teardown(() => srv.close());
  const root = await rfClient(srv.url).get('/redfish/v1/');
  t.same(root.body.Tasks, { '@odata.id': '/redfish/v1/TaskService' });
  t.equal(root.body.TaskService, undefined, 'no non-schema property');
  const r = await run('/usr/bin/python3', [sushyTasks, srv.url, 'admin', 'password']);
  const out = JSON.parse(r.stdout);
  t.equal(out.task_service, '/redfish/v1/TaskService');
  t.equal(out.enabled, true);
  t.same(out.tasks, []);
});
