/**
 * BMC personas, observed through real clients: python3-sushy (the library Ironic drives BMCs
 * with) and redfishtool. Each persona's documented deviations show; nothing else changes.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startRedfishServer } from '../../../../lab/bmc/redfish/redfish-server.ts';
import { PERSONA_NAMES } from '../../../../lab/bmc/redfish/personas/persona-registry.ts';
import { fakeSystems } from './fixtures/systems.ts';

const run = promisify(execFile);
const sushyPersona = fileURLToPath(new URL('./fixtures/sushy-persona.py', import.meta.url));

/** A server for one fake system; `onEnd` registers its close (the test's teardown). */
async function serve(onEnd: (f: () => Promise<void>) => void, persona?: string) {
  const sys = fakeSystems(1);
  const srv = await startRedfishServer({ systems: sys, ...(persona ? { persona } : {}) });
  onEnd(() => srv.close());
  const hostPort = srv.url.slice('http://'.length);
  const rt = (...args: string[]) => run('redfishtool', ['-r', hostPort, '-u', 'admin', '-p', 'password', '-S', 'Never', ...args]);
  const sushy = async () => JSON.parse((await run('/usr/bin/python3', [sushyPersona, srv.url, 'admin', 'password', 'sys-0'])).stdout);
  return { sys, srv, rt, sushy };
}

const ALL_RESETS = ['ForceOff', 'ForceOn', 'ForceRestart', 'GracefulRestart', 'GracefulShutdown', 'Nmi', 'On', 'PowerCycle', 'PushPowerButton'];

t.test('the registry holds generic (default), sushy-tools and the vendor personas', async (t) => {
  t.same([...PERSONA_NAMES].sort(), ['generic', 'idrac', 'ilo', 'supermicro', 'sushy-tools']);
  await t.rejects(startRedfishServer({ systems: fakeSystems(1), persona: 'idrac-9000' }), { code: 'FLEETLAB_ERR_BMC_PERSONA_UNKNOWN', message: /'idrac-9000'.*generic, sushy-tools/ });
});

t.test('generic persona (default): sessions, every reset type, Once is one-time, vmedia under System and Manager', async (t) => {
  const { sushy } = await serve((f) => t.teardown(f));
  const out = await sushy();
  t.equal(out.session_key_set, true, 'sushy logged in with a session');
  t.equal(out.session_service, '/redfish/v1/SessionService');
  t.same(out.reset_types, ALL_RESETS.map((r) => `ResetType.${r.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`).sort());
  t.equal(out.power_cycle, 'ok');
  t.same(out.boot_armed, ['BootSourceOverrideEnabled.ONCE', 'BootSource.PXE']);
  t.same(out.boot_after_boot, ['BootSourceOverrideEnabled.DISABLED', 'BootSource.NONE'], 'the boot used and cleared the override');
  t.same(out.sys_vmedia, ['Cd', 'Floppy']);
  t.same(out.mgr_vmedia, ['Cd', 'Floppy']);
});

t.test('sushy-tools persona: Once stored as Continuous, no PowerCycle, no SessionService, vmedia on the System only', async (t) => {
  const { sys, rt, sushy } = await serve((f) => t.teardown(f), 'sushy-tools');
  const out = await sushy();
  t.equal(out.session_key_set, false, 'sushy fell back to HTTP Basic');
  t.match(out.session_service, /^raised /, 'no SessionService');
  t.notOk(out.reset_types.includes('ResetType.POWER_CYCLE'), 'PowerCycle is not advertised');
  t.same(out.reset_types.length, 7);
  t.match(out.power_cycle, /^raised /, 'sushy refuses PowerCycle');
  t.same(out.boot_armed, ['BootSourceOverrideEnabled.CONTINUOUS', 'BootSource.PXE'], 'Once is stored as Continuous');
  t.same(out.boot_after_boot, ['BootSourceOverrideEnabled.CONTINUOUS', 'BootSource.PXE'], 'and survives the boot');
  t.same(out.sys_vmedia, ['Cd', 'Floppy']);
  t.match(out.mgr_vmedia, /^raised /, 'no VirtualMedia under the Manager');

  // The server side of the same deviations, as redfishtool sees them.
  await t.rejects(rt('Systems', '-I', 'sys-0', 'reset', 'PowerCycle'), /400|not supported/i, 'PowerCycle sent anyway is refused');
  await t.rejects(rt('-A', 'Session', 'Systems', 'list'), 'redfishtool session login fails: no SessionService');
  await rt('Systems', '-I', 'sys-0', 'setBootOverride', 'Once', 'Hdd');
  t.equal(JSON.parse((await rt('Systems', '-I', 'sys-0', '-P', 'Boot', 'get')).stdout).Boot.BootSourceOverrideEnabled, 'Continuous');
  t.same(sys[0]!.machine.bootOverride, { target: 'hdd', mode: 'uefi', once: false });
});
