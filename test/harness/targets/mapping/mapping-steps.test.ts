/**
 * Mapping-file features a multi-step REST enroll needs (Ironic's create → port → manage → wait →
 * provide → wait): `until` (repeat a request until a JSONPath value is wanted), `{{env.NAME}}`,
 * `version` fields for run.json, `enrollConcurrency`, the `ipa` persona — each checked when the
 * file is read with its path in the file, and driven against a small in-process HTTP server.
 */
import t, { type Test } from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readMapping, type Mapping } from '../../../../harness/targets/mapping/mapping-file.ts';
import { mappingClient } from '../../../../harness/targets/mapping/mapping-client.ts';
import type { TargetNode } from '../../../../harness/targets/target.ts';

const NODE = { name: 'n1', site: 's', uuid: 'u-1', macs: ['52:54:00:00:00:01'], profile: 'p', firmware: 'bios', bmc: { username: 'u', password: 'p' } } as unknown as TargetNode;

function write(t: Test, json: unknown): string {
  const file = join(t.testdir(), 'm.json');
  writeFileSync(file, JSON.stringify(json));
  return file;
}

const base = {
  enroll: [
    { url: '{{api}}/nodes', body: { name: '{{node.name}}', ramdisk: '{{env.RAMDISK_URL}}' }, capture: { id: '$.id' } },
    { method: 'GET', url: '{{api}}/nodes/{{vars.id}}', until: { path: '$.state', in: ['ready'], fail: ['broken'], timeoutMs: 2000, intervalMs: 20 } },
  ],
  provision: { url: '{{api}}/nodes/{{vars.id}}/deploy', body: { image: '{{image.url}}' } },
  state: { url: '{{api}}/nodes/{{vars.id}}', native: '$.state' },
  phases: { ready: 'ready', active: 'active' },
  version: { url: '{{api}}/', fields: { server: '$.version.name', api: '$.version.api' } },
  enrollConcurrency: 1,
  persona: { kind: 'ipa' },
};

t.test('a valid file with until, env, version, enrollConcurrency and the ipa persona', async (t) => {
  const r = readMapping(write(t, base), { RAMDISK_URL: 'http://x/r' });
  t.notOk(r.problems, JSON.stringify(r.problems));
  t.match(r.mapping, { enrollConcurrency: 1, persona: { kind: 'ipa' }, enroll: [{}, { until: { path: '$.state', in: ['ready'], timeoutMs: 2000 } }] });
  t.equal(readMapping(write(t, { ...base, enrollConcurrency: undefined }), { RAMDISK_URL: 'x' }).mapping?.enrollConcurrency, 16, 'default 16');
});

t.test('problems carry their path in the file', async (t) => {
  const bad = structuredClone(base) as Record<string, unknown> & typeof base;
  (bad.enroll[1] as { until: Record<string, unknown> }).until = { path: '$.state[', in: [], extra: 1 };
  bad.version = { url: '{{api}}/{{node.name}}', fields: { api: '$..' } } as never;
  bad.enrollConcurrency = 0;
  bad.persona = { kind: 'ipa', x: 1 } as never;
  const r = readMapping(write(t, bad), {});
  const texts = (r.problems ?? []).map((p) => `${p.path}: ${p.message}`);
  t.ok(texts.some((x) => /^enroll\[1\]\.until\.path: '\$\.state\[': unbalanced brackets/.test(x)), 'bad until JSONPath', { texts });
  t.ok(texts.some((x) => /^enroll\[1\]\.until\.in: /.test(x)), 'empty until.in', { texts });
  t.ok(texts.some((x) => /^enroll\[1\]\.until: .*extra/.test(x)), 'unknown until key', { texts });
  t.ok(texts.some((x) => /^version\.fields\.api: /.test(x)), 'bad version JSONPath', { texts });
  t.ok(texts.some((x) => /^enrollConcurrency: /.test(x)), 'enrollConcurrency >= 1', { texts });
  t.ok(texts.some((x) => /^persona/.test(x)), 'persona', { texts });

  // Schema-valid; template problems: an unset environment variable, a node variable in version.url.
  const r2 = readMapping(write(t, { ...base, version: { url: '{{api}}/{{node.name}}', fields: { a: '$.a' } } }), {});
  const t2 = (r2.problems ?? []).map((p) => `${p.path}: ${p.message}`);
  t.ok(t2.includes('enroll[0].body: {{env.RAMDISK_URL}}: environment variable RAMDISK_URL is not set'), 'unset env named', { t2 });
  t.ok(t2.some((x) => /^version\.url: unknown variable \{\{node\.name\}\} \(known here: api, env\.<NAME>\)/.test(x)), 'version.url: only api and env', { t2 });
});

t.test('until repeats the request until the value is wanted; fail values and timeouts stop it', async (t) => {
  let polls = 0;
  let failOn = '';
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST') {
        bodies.push(JSON.parse(body));
        return void res.writeHead(201).end(JSON.stringify({ id: 'abc' }));
      }
      if (req.url === '/') return void res.end(JSON.stringify({ version: { name: 'srv', api: 1.5 } }));
      polls++;
      res.end(JSON.stringify({ state: failOn || (polls < 3 ? 'verifying' : 'ready') }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const env = { RAMDISK_URL: 'http://x/ramdisk' };
  const m = readMapping(write(t, base), env).mapping as Mapping;
  const c = mappingClient(m, api, 'test', AbortSignal.timeout(10_000), env);

  await c.enroll(NODE);
  t.equal(polls, 3, 'polled until ready');
  t.same(bodies, [{ name: 'n1', ramdisk: 'http://x/ramdisk' }], '{{env.NAME}} rendered');
  t.same(await c.version(), { server: 'srv', api: '1.5' }, 'version fields (non-strings as JSON)');

  failOn = 'broken';
  await t.rejects(c.enroll(NODE), /enroll\[1\] n1: until \$\.state: 'broken' is a failure value/);
  failOn = 'stuck';
  const slow = mappingClient({ ...m, enroll: [m.enroll[0]!, { ...m.enroll[1]!, until: { ...m.enroll[1]!.until!, timeoutMs: 100 } }] }, api, 'test', AbortSignal.timeout(10_000), env);
  await t.rejects(slow.enroll(NODE), /until \$\.state: still 'stuck' after 100 ms \(waiting for ready\)/);
  const none = mappingClient({ ...m, version: undefined }, api, 'test', AbortSignal.timeout(10_000), env);
  t.same(await none.version(), {}, 'no version in the file: empty record');
});
