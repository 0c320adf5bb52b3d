/**
 * bmc-hang on a real Redfish emulator: while the fault holds, the BMC accepts requests and never
 * answers (clients time out, as a provisioning server's would); once healed it answers again.
 */
import t from 'tap';
import { get } from 'node:http';
import { startRedfishServer } from '../../../lab/bmc/redfish/redfish-server.ts';
import { FaultController } from '../../../lab/faults/fault-controller.ts';
import { noBmcFaults, noNodeFaults } from '../../../lab/faults/fault-hooks.ts';
import { FakeMachine, fakeInventory } from '../../../lab/nodes/fake/fake-machine.ts';
import { realClock } from '../../../lab/base/clock.ts';
import { createRng } from '../../../lab/base/rng.ts';

function status(url: string, timeoutMs: number): Promise<number | 'timeout'> {
  return new Promise((resolve, reject) => {
    const auth = 'Basic ' + Buffer.from('admin:password').toString('base64');
    const req = get(url, { headers: { authorization: auth }, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => {
      req.destroy();
      resolve('timeout');
    });
    req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
  });
}

t.test('bmc-hang: no answer while active, answers again after heal', async (t) => {
  const machine = new FakeMachine('sys-0', fakeInventory(0));
  const faults = noBmcFaults();
  const server = await startRedfishServer({ systems: [{ id: 'sys-0', machine, credentials: { username: 'admin', password: 'password' }, faults }] });
  t.teardown(() => server.close());
  const fc = new FaultController({
    nodes: [{ name: 'n0', site: 's0', faults: noNodeFaults(), machine, bmc: 'sys-0' }],
    sites: [],
    bmcs: [{ id: 'sys-0', faults }],
    clock: realClock(),
    rng: createRng(1),
    emit: () => {},
    onPhase: () => () => {},
  });
  const url = `${server.url}/redfish/v1/Systems/sys-0`;
  t.equal(await status(url, 2000), 200);
  await fc.inject({ kind: 'bmc-hang', selector: 'n0' });
  t.equal(await status(url, 300), 'timeout');
  await fc.healAll();
  t.equal(await status(url, 2000), 200);
});
