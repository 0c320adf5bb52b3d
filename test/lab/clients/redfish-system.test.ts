/**
 * Typed Redfish helpers against fleetlab's emulator, with redfishtool (Debian) as the oracle:
 * the same power/boot/vmedia sequence through the client on one fresh system and through
 * redfishtool on another leaves both BMCs in the same state. Also virtual media through the
 * Manager, and SimpleUpdate followed through its task monitor (success and a failing image).
 */
import { execFile } from 'node:child_process';
import t from 'tap';
import { ERRORS } from '../../../lab/base/errors.ts';
import { RedfishClient } from '../../../lab/clients/redfish/redfish-client.ts';
import { RedfishSystem } from '../../../lab/clients/redfish/redfish-system.ts';
import { Transcript } from '../../../lab/clients/redfish/redfish-transcript.ts';
import type { FakeMachine } from '../../../lab/nodes/fake/fake-machine.ts';
import { PASSWORD, USER, startBmc } from './fixtures/redfish-bmc.ts';

const IMAGE = 'http://127.0.0.1:9/images/boot.iso';

function redfishtool(hostPort: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redfishtool', ['-r', hostPort, '-u', USER, '-p', PASSWORD, '-S', 'Never', ...args], { timeout: 30_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`redfishtool ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
    );
  });
}

/** A system's resources with its identity (ids, serial, UUID, ETag) taken out, for comparison. */
async function stateOf(get: (p: string) => Promise<{ body: any }>, id: string): Promise<unknown> {
  const strip = (v: any) => {
    const o = JSON.parse(JSON.stringify(v).split(id).join('SYS'));
    for (const k of ['UUID', 'SerialNumber', '@odata.etag']) delete o[k];
    return o;
  };
  return {
    system: strip((await get(`/redfish/v1/Systems/${id}`)).body),
    cd: strip((await get(`/redfish/v1/Systems/${id}/VirtualMedia/Cd`)).body),
  };
}

t.test('same power/boot/vmedia sequence through the client and through redfishtool: same end state', async (t) => {
  const bmc = await startBmc(2);
  t.teardown(() => bmc.srv.close());
  const hostPort = bmc.srv.url.slice('http://'.length);

  const c = new RedfishClient({ url: bmc.srv.url, username: USER, password: PASSWORD, auth: 'session' });
  t.teardown(() => c.close());
  const sys = new RedfishSystem(c, 'sys-0');
  await sys.reset('On');
  await sys.setBootOverride({ enabled: 'Once', target: 'Pxe' });
  await sys.insertMedia(IMAGE);
  await sys.reset('ForceRestart');
  await sys.setBootOverride({ enabled: 'Continuous', target: 'Cd' });
  await sys.reset('PowerCycle');
  await sys.ejectMedia();
  await sys.reset('ForceOff');

  const rt = (...a: string[]) => redfishtool(hostPort, a);
  const cd = '/redfish/v1/Systems/sys-1/VirtualMedia/Cd/Actions';
  await rt('Systems', '-I', 'sys-1', 'reset', 'On');
  await rt('Systems', '-I', 'sys-1', 'setBootOverride', 'Once', 'Pxe');
  await rt('raw', 'POST', `${cd}/VirtualMedia.InsertMedia`, '-d', JSON.stringify({ Image: IMAGE, Inserted: true, WriteProtected: true }));
  await rt('Systems', '-I', 'sys-1', 'reset', 'ForceRestart');
  await rt('Systems', '-I', 'sys-1', 'setBootOverride', 'Continuous', 'Cd');
  await rt('Systems', '-I', 'sys-1', 'reset', 'PowerCycle');
  await rt('raw', 'POST', `${cd}/VirtualMedia.EjectMedia`, '-d', '{}');
  await rt('Systems', '-I', 'sys-1', 'reset', 'ForceOff');

  const [a, b] = [await stateOf(bmc.other.get, 'sys-0'), await stateOf(bmc.other.get, 'sys-1')];
  t.same(a, b, 'both BMCs read the same');
  const [m0, m1] = bmc.systems.map((s) => s.machine as FakeMachine);
  t.same(m0!.boots, m1!.boots, 'and the machines booted the same way');
  t.same(
    m0!.boots.map((x) => [x.device, x.consumedOnce]),
    [['hdd', false], ['pxe', true], ['cd', false]],
    'power-on from disk, the Once PXE consumed by the restart, the cycle booted the Continuous Cd',
  );
  t.equal(m0!.power(), 'off');
  t.same(m0!.bootOverride, { target: 'cd', mode: 'uefi', once: false });
});

t.test('virtual media through the Manager when asked (or when the System has none)', async (t) => {
  const bmc = await startBmc(1);
  t.teardown(() => bmc.srv.close());
  const transcript = new Transcript();
  const c = new RedfishClient({ url: bmc.srv.url, username: USER, password: PASSWORD, transcript });
  t.teardown(() => c.close());
  const sys = new RedfishSystem(c, 'sys-0', { virtualMediaOn: 'Manager' });
  t.same(await sys.virtualMediaCollection(), { uri: '/redfish/v1/Managers/sys-0/VirtualMedia', on: 'Manager' });
  await sys.insertMedia(IMAGE);
  t.ok(transcript.entries.some((e) => e.method === 'POST' && e.uri.startsWith('/redfish/v1/Managers/sys-0/VirtualMedia/Cd/')), 'inserted under the Manager');
  t.same((await bmc.other.get('/redfish/v1/Systems/sys-0/VirtualMedia/Cd')).body.Image, IMAGE, 'the machine has the medium');
  t.match(await sys.media(), { image: IMAGE, inserted: true, writeProtected: true });
  await sys.ejectMedia();
  t.equal(bmc.systems[0]!.machine.media?.(), null, 'ejected');
});

t.test('SimpleUpdate: 202 + task monitor polled at the BMC\'s Retry-After until Completed; a failing image is BMC_CLIENT_TASK', async (t) => {
  const bmc = await startBmc(1, { updateTaskMs: 1500 });
  t.teardown(() => bmc.srv.close());
  const transcript = new Transcript();
  const c = new RedfishClient({ url: bmc.srv.url, username: USER, password: PASSWORD, transcript });
  t.teardown(() => c.close());
  const sys = new RedfishSystem(c, 'sys-0');
  const progress: string[] = [];
  const r = await sys.simpleUpdate('http://127.0.0.1:9/fw/bios-2.4.1.bin', { onProgress: (s) => progress.push(s) });
  t.equal(r.state, 'Completed');
  t.equal(progress.at(-1), 'Completed');
  const polls = transcript.entries.filter((e) => e.uri.endsWith('/Monitor'));
  t.ok(polls.length >= 2, 'polled while running');
  t.equal(polls.at(-1)!.status, 200);
  t.ok(polls.slice(0, -1).every((p) => p.status === 202 && p.responseHeaders['retry-after'] === '1'), 'running answers were 202 with Retry-After');
  t.equal((await bmc.other.get('/redfish/v1/Systems/sys-0')).body.BiosVersion, '2.4.1', 'the update took effect');

  await t.rejects(sys.simpleUpdate('http://127.0.0.1:9/fw/bios-fail-9.9.bin'), { code: ERRORS.BMC_CLIENT_TASK.code, message: /Exception/ });
});
