/**
 * PATCH bodies with nothing valid to apply (issue 20): driven by curl and python3-sushy against
 * the real server. `{}` / only annotations → 400 NoOperation; only unknown or read-only
 * properties → 400 with one PropertyUnknown / PropertyNotWritable per property (RelatedProperties
 * naming it); a mix of valid and invalid → refused whole; nothing changes in any of these.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startRedfishServer } from '../../../../lab/bmc/redfish/redfish-server.ts';
import { fakeSystems } from './fixtures/systems.ts';

const run = promisify(execFile);

interface Info {
  MessageId: string;
  RelatedProperties?: string[];
}

/** PATCH with curl; the HTTP status and the ExtendedInfo (id without the registry prefix, properties). */
async function curlPatch(url: string, body: string): Promise<{ status: number; messages: [string, string[] | undefined][]; json: any }> {
  const r = await run('curl', ['-s', '-u', 'admin:password', '-X', 'PATCH', '-H', 'Content-Type: application/json', '-d', body, '-w', '\n%{http_code}', url], { timeout: 60_000 });
  const cut = r.stdout.lastIndexOf('\n');
  const json = JSON.parse(r.stdout.slice(0, cut) || 'null');
  const infos: Info[] = json?.error?.['@Message.ExtendedInfo'] ?? [];
  return { status: Number(r.stdout.slice(cut + 1)), messages: infos.map((i) => [i.MessageId.replace(/^Base\.1\.\d+\./, ''), i.RelatedProperties]), json };
}

t.test('PATCH with nothing to change, or only unknown / read-only properties, is a Redfish error and changes nothing', async (t) => {
  const sys = fakeSystems(1);
  const srv = await startRedfishServer({ systems: sys });
  t.teardown(() => srv.close());
  const url = `${srv.url}/redfish/v1/Systems/${sys[0]!.id}`;
  const before = JSON.stringify((await (await fetch(url, { headers: { Authorization: 'Basic ' + Buffer.from('admin:password').toString('base64') } })).json()));

  for (const body of ['{}', '{"@odata.etag": "W/\\"1\\""}', '{"Boot": {}}']) {
    const r = await curlPatch(url, body);
    t.equal(r.status, 400, `${body}: 400`);
    t.same(r.messages, [['NoOperation', undefined]], `${body}: NoOperation`);
  }

  const unknown = await curlPatch(url, '{"Frobnicate": 1, "Boot": {"Wibble": true}}');
  t.equal(unknown.status, 400);
  t.same(unknown.messages, [
    ['PropertyUnknown', ['#/Boot/Wibble']],
    ['PropertyUnknown', ['#/Frobnicate']],
  ], 'one PropertyUnknown per unknown property');

  const readOnly = await curlPatch(url, '{"PowerState": "Off", "UUID": "x"}');
  t.equal(readOnly.status, 400);
  t.same(readOnly.messages, [
    ['PropertyNotWritable', ['#/PowerState']],
    ['PropertyNotWritable', ['#/UUID']],
  ], 'one PropertyNotWritable per read-only property');
  t.match(readOnly.json.error['@Message.ExtendedInfo'][1].Message, /UUID is a read-only property/, 'messages filled from the Base registry');

  const mixed = await curlPatch(url, '{"AssetTag": "rack-9", "Boot": {"BootSourceOverrideTarget": "Pxe"}, "PowerState": "On", "Nope": 0}');
  t.equal(mixed.status, 400, 'a mix of valid and invalid properties is refused whole');
  t.same(mixed.messages.map((m) => m[0]), ['PropertyNotWritable', 'PropertyUnknown']);

  t.equal(sys[0]!.machine.bootOverride.target, 'none', 'boot override untouched');
  const after = JSON.stringify((await (await fetch(url, { headers: { Authorization: 'Basic ' + Buffer.from('admin:password').toString('base64') } })).json()));
  t.equal(after, before, 'the resource (and its ETag) did not change');

  const ok = await curlPatch(url, '{"AssetTag": "rack-9", "@odata.etag": "x"}');
  t.equal(ok.status, 200, 'a valid PATCH with an annotation still applies');
  t.equal(ok.json.AssetTag, 'rack-9');
});

t.test('python3-sushy still sets boot options (Ironic sends only writable properties)', async (t) => {
  const sys = fakeSystems(1);
  const srv = await startRedfishServer({ systems: sys });
  t.teardown(() => srv.close());
  const script = [
    'import sys, sushy',
    "root = sushy.Sushy(sys.argv[1], username='admin', password='password', verify=False)",
    "s = root.get_system('/redfish/v1/Systems/' + sys.argv[2])",
    's.set_system_boot_options(sushy.BOOT_SOURCE_TARGET_PXE, enabled=sushy.BOOT_SOURCE_ENABLED_ONCE)',
    's.refresh()',
    'print(s.boot.target, s.boot.enabled)',
  ].join('\n');
  const r = await run('/usr/bin/python3', ['-c', script, srv.url, sys[0]!.id], { timeout: 120_000 });
  t.match(r.stdout, /PXE .*ONCE/, 'sushy reads back what it set');
  t.equal(sys[0]!.machine.bootOverride.target, 'pxe');
});
