import t from 'tap';
import { faultsCommand } from '../../../harness/cli/commands/faults.ts';
import { captureIo } from './cli-helpers.ts';

t.test('fleetlab faults lists every kind with its scope, the shared fields and the presets', async (t) => {
  const c = captureIo();
  t.equal(await faultsCommand.run([], c.io), 0);
  const out = c.out();
  for (const kind of ['link-flap', 'partition', 'power-loss', 'bmc-errors', 'image-corruption', 'target-kill']) t.match(out, new RegExp(`^  ${kind} +\\w+ +\\S`, 'm'));
  t.match(out, /percentSites/);
  t.match(out, /satellite 25mbit\/3mbit rtt 600ms/);
});

t.test('--json gives the catalogue as data', async (t) => {
  const c = captureIo();
  t.equal(await faultsCommand.run(['--json'], c.io), 0);
  const j = JSON.parse(c.out()) as { faults: { kind: string; scope: string }[]; presets: Record<string, { downBps: number }> };
  t.equal(j.faults.length, 16);
  t.match(j.faults.find((f) => f.kind === 'bmc-hang'), { scope: 'bmc' });
  t.equal(j.presets.dsl?.downBps, 20e6);
  await t.rejects(faultsCommand.run(['extra'], c.io), { code: 'FLEETLAB_ERR_USAGE' });
});
