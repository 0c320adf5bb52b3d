/**
 * `--target-opt` for target `ironic` is checked when the target is created, before boot services
 * or Ironic start: bad input exits 2 with the option named, and nothing is left running.
 */
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fleetlab } from '../../../helpers/cli.ts';

const runIronic = (out: string, ...opts: string[]) =>
  fleetlab(['run', 'scenarios/provision.ts', '--target', 'ironic', ...opts.flatMap((o) => ['--target-opt', o]), '--param', 'sites=1', '--param', 'nodesPerSite=1', '--out', out]);

t.test('a size out of range (kernelBytes=0): exit 2 naming it; no boot services or Ironic started', async (t) => {
  const out = t.testdir();
  const r = await runIronic(out, 'kernelBytes=0');
  t.equal(r.code, 2, 'exit 2', { stderr: r.stderr });
  t.match(r.stderr, /FLEETLAB_ERR_PARAM_INVALID: --target-opt kernelBytes=0: expected a number >= 1/);
  t.notOk(existsSync(join(out, 'ironic')), 'no ironic/ run directory: nothing was started');
});

t.test('an unknown option names the known ones', async (t) => {
  const r = await runIronic(t.testdir(), 'nope=1');
  t.equal(r.code, 2, 'exit 2', { stderr: r.stderr });
  t.match(r.stderr, /--target-opt nope: unknown option for target 'ironic' \(known: url, bootUrl, driver, .*ramdiskBytes\)/);
});

t.test('a driver other than redfish or ipmi', async (t) => {
  const r = await runIronic(t.testdir(), 'driver=xen');
  t.equal(r.code, 2, 'exit 2', { stderr: r.stderr });
  t.match(r.stderr, /--target-opt driver=xen: expected redfish or ipmi/);
});
