// IPA persona protocol edges against a scripted Ironic API: lookup retries, token checks, 409
// while busy, deploy step echo, checksum failure, power off, empty history after a reboot.
import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startIpaAgentServer } from '../../../../../lab/nodes/sim/personas/ipa-agent-server.ts';
import { ipaPersona } from '../../../../../lab/nodes/sim/personas/ipa-persona.ts';
import { fakeAgentContext } from './fake-agent-context.ts';

const UUID = '0b5c1f7e-1111-4222-8333-244444444444';
const MAC = '52:54:00:24:01:01';
const image = randomBytes(64 * 1024);
const sha256 = createHash('sha256').update(image).digest('hex');

async function body(req: IncomingMessage): Promise<string> {
  let s = '';
  for await (const c of req) s += (c as Buffer).toString();
  return s;
}

/** A scripted Ironic: lookup answers 404 `notFoundFirst` times, then the node and a token. */
async function fakeIronic(notFoundFirst: number) {
  const beats: { uuid: string; body: Record<string, unknown> }[] = [];
  let lookups = 0;
  let token = 'tok-1';
  const srv = createServer((req, res) => {
    void (async () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const text = await body(req);
      if (u.pathname === '/v1/lookup') {
        lookups++;
        if (lookups <= notFoundFirst || u.searchParams.get('addresses') !== MAC) return void res.writeHead(404).end('{}');
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ node: { uuid: UUID }, config: { heartbeat_timeout: 1, agent_token: token } }));
      }
      if (u.pathname.startsWith('/v1/heartbeat/')) {
        beats.push({ uuid: u.pathname.split('/')[3] ?? '', body: JSON.parse(text) as Record<string, unknown> });
        return void res.writeHead(202).end();
      }
      res.writeHead(404).end();
    })();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  const files = createServer((req, res) => {
    res.writeHead(200, { 'content-length': image.length });
    res.end(req.method === 'HEAD' ? undefined : image);
  });
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
  return {
    url,
    imageUrl: `http://127.0.0.1:${(files.address() as AddressInfo).port}/img.raw`,
    beats,
    lookups: () => lookups,
    setToken: (t: string) => (token = t),
    close: () => Promise.all([new Promise((r) => srv.close(r)), new Promise((r) => files.close(r))]),
  };
}

const fastWait = (ms: number, signal: AbortSignal) =>
  new Promise<void>((r) => {
    const h = setTimeout(r, Math.min(ms, 50));
    signal.addEventListener('abort', () => (clearTimeout(h), r()), { once: true });
  });

async function until<T>(f: () => T | undefined | false | Promise<T | undefined | false>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

t.test('agent protocol: lookup, token, busy, deploy step echo, power off', async (t) => {
  const ironic = await fakeIronic(2);
  t.teardown(() => ironic.close());
  const agents = await startIpaAgentServer();
  t.teardown(() => agents.close());
  const ctx = fakeAgentContext({ uuid: UUID, macs: [MAC], cmdline: `ipa-api-url=${ironic.url}/ BOOTIF=${MAC}` });
  const run = ipaPersona({ server: agents, wait: fastWait }).run(ctx);

  await until(() => ironic.beats.length > 0);
  t.equal(ironic.lookups(), 3, 'lookup retried while Ironic answered 404');
  t.same(ironic.beats[0], { uuid: UUID, body: { callback_url: `${agents.url}/${UUID}`, agent_token: 'tok-1', agent_version: '9.4.0' } }, 'heartbeat names the callback URL with the uuid path and the token');

  const cmd = (name: string, params: unknown, q = 'wait=false&agent_token=tok-1') =>
    fetch(`${agents.callbackUrl(UUID)}/v1/commands/?${q}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, params }) });

  t.equal((await cmd('deploy.get_deploy_steps', {}, 'wait=true')).status, 401, 'no token → 401');
  t.equal((await cmd('deploy.get_deploy_steps', {}, 'wait=true&agent_token=nope')).status, 401, 'wrong token → 401');

  const steps = (await (await cmd('deploy.get_deploy_steps', { node: {}, ports: [] }, 'wait=true&agent_token=tok-1')).json()) as Record<string, unknown>;
  t.match(steps, {
    command_name: 'get_deploy_steps',
    command_status: 'SUCCEEDED',
    command_result: { deploy_steps: { GenericHardwareManager: [{ step: 'write_image', interface: 'deploy', priority: 0 }] } },
  });

  const step = { interface: 'deploy', step: 'write_image', args: { image_info: { id: 'img', urls: [ironic.imageUrl], os_hash_algo: 'sha256', os_hash_value: sha256 } } };
  // Hold the disk write so the command stays RUNNING while we poke the agent.
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const origWrite = ctx.writeDisk.bind(ctx);
  ctx.writeDisk = async (img) => {
    await gate;
    return origWrite(img);
  };
  const started = (await (await cmd('deploy.execute_deploy_step', { step, node: {}, ports: [] })).json()) as Record<string, unknown>;
  t.equal(started.command_status, 'RUNNING', 'execute_deploy_step is asynchronous');
  const busy = await cmd('standby.get_partition_uuids', {});
  t.equal(busy.status, 409, '409 while an async command runs');
  t.match(await busy.json(), { faultstring: /busy/i });
  const beatsBefore = ironic.beats.length;
  release();

  const list = async () => ((await (await fetch(`${agents.callbackUrl(UUID)}/v1/commands/`)).json()) as { commands: Record<string, unknown>[] }).commands;
  const finished = await until(async () => (await list()).at(-1)?.command_status === 'SUCCEEDED').then(list);
  t.same(finished.at(-1)?.command_result, { deploy_result: {}, deploy_step: step }, 'result echoes the step exactly as received');
  t.same(finished.map((c) => c.command_name), ['get_deploy_steps', 'execute_deploy_step']);
  await until(() => ironic.beats.length > beatsBefore);
  t.pass('a heartbeat follows the finished command');
  t.same(ctx.disk, [{ name: 'img', url: ironic.imageUrl, bytes: image.length, digest: sha256 }]);

  t.match(await (await cmd('standby.get_partition_uuids', {}, 'wait=true&agent_token=tok-1')).json(), { command_status: 'SUCCEEDED', command_result: {} });
  t.equal((await cmd('nosuch.command', {})).status, 400, 'unknown command → 400');
  const off = await cmd('standby.power_off', {});
  t.equal(off.status, 200);
  t.same(await run, { kind: 'poweroff' });
  t.ok(ctx.poweredOff, 'node switched itself off');
  await t.rejects(fetch(`${agents.callbackUrl(UUID)}/v1/commands/`), 'a powered-off agent does not answer');

  // Next boot: a fresh agent with an empty command history.
  ironic.setToken('tok-2');
  const ctx2 = fakeAgentContext({ uuid: UUID, macs: [MAC], cmdline: `ipa-api-url=${ironic.url}` });
  const run2 = ipaPersona({ server: agents, wait: fastWait }).run(ctx2);
  await until(() => agents.agents().length === 1);
  t.same(await list(), [], 'command history empty after reboot');
  ctx2.abort();
  t.match(await run2, { kind: 'failed', code: 'FLEETLAB_ERR_AGENT' }, 'power loss ends the agent');
});

t.test('checksum mismatch fails the deploy step with the digests', async (t) => {
  const ironic = await fakeIronic(0);
  t.teardown(() => ironic.close());
  const agents = await startIpaAgentServer();
  t.teardown(() => agents.close());
  const ctx = fakeAgentContext({ uuid: UUID, macs: [MAC], cmdline: `ipa-api-url=${ironic.url}`, corrupt: true });
  const run = ipaPersona({ server: agents, wait: fastWait }).run(ctx);
  await until(() => ironic.beats.length > 0);
  const step = { interface: 'deploy', step: 'write_image', args: { image_info: { urls: [ironic.imageUrl], checksum: sha256 } } };
  await fetch(`${agents.callbackUrl(UUID)}/v1/commands/?wait=true&agent_token=tok-1`, {
    method: 'POST',
    body: JSON.stringify({ name: 'deploy.execute_deploy_step', params: { step } }),
  });
  const { commands } = (await (await fetch(`${agents.callbackUrl(UUID)}/v1/commands/`)).json()) as { commands: Record<string, unknown>[] };
  t.match(commands.at(-1), { command_status: 'FAILED', command_error: { type: 'ImageChecksumError', message: new RegExp(`expected ${sha256}`) } });
  t.same(ctx.disk, [], 'nothing written');
  ctx.abort();
  await run;
});

t.test('agent server: bad input never crashes it; unknown uuid drops the connection', async (t) => {
  const agents = await startIpaAgentServer();
  t.teardown(() => agents.close());
  const stop = agents.register('u1', () => ({ status: 200, body: { ok: true } }));
  const bad = await fetch(`${agents.url}/u1/v1/commands/`, { method: 'POST', body: '{nope' });
  t.equal(bad.status, 400);
  t.match(await bad.json(), { faultstring: /not JSON/ });
  await t.rejects(fetch(`${agents.url}/u2/v1/commands/`));
  t.same(await (await fetch(`${agents.url}/u1/v1/commands/`)).json(), { ok: true }, 'still serving');
  stop();
  t.same(agents.agents(), []);
});

t.test('no ipa-api-url: the persona fails with a coded error instead of hanging', async (t) => {
  const agents = await startIpaAgentServer();
  t.teardown(() => agents.close());
  const ctx = fakeAgentContext({ uuid: UUID, macs: [MAC], cmdline: 'BOOTIF=x' });
  t.match(await ipaPersona({ server: agents }).run(ctx), { kind: 'failed', code: 'FLEETLAB_ERR_AGENT', message: /ipa-api-url/ });
});
