/**
 * `fleetlab bmc serve --ipmi`: the same fake systems over IPMI, addresses in the ready line,
 * driven by ipmitool; a Redfish change is visible over IPMI (one machine, two protocols).
 */
import t from 'tap';
import { spawn, execFile } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));

interface Ready {
  redfish: { url: string; systems: string[] };
  ipmi: { system: string; host: string; port: number }[];
  username: string;
  password: string;
}

t.test('bmc serve --ipmi: one IPMI address per system, ipmitool drives the same machines', async (t) => {
  const child = spawn(process.execPath, ['bin/fleetlab.js', 'bmc', 'serve', '--systems', '2', '--ipmi'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    void exit.then((code) => reject(new Error(`bmc serve exited ${code} before ready`)));
  });
  const ready = JSON.parse(first) as Ready;
  t.same(
    ready.ipmi.map((a) => [a.system, a.host]),
    [
      ['fake-0', '127.0.0.1'],
      ['fake-1', '127.0.0.1'],
    ],
  );
  t.not(ready.ipmi[0]!.port, ready.ipmi[1]!.port, 'each system has its own port');
  const ipmi = (i: number, ...args: string[]) =>
    run('ipmitool', ['-I', 'lanplus', '-C', '17', '-H', ready.ipmi[i]!.host, '-p', String(ready.ipmi[i]!.port), '-U', ready.username, '-P', ready.password, ...args]);
  await ipmi(1, 'power', 'on');
  t.match((await ipmi(1, 'power', 'status')).stdout, /Chassis Power is on/);
  t.match((await ipmi(0, 'power', 'status')).stdout, /Chassis Power is off/, 'the other system is untouched');
  const rf = await fetch(`${ready.redfish.url}/redfish/v1/Systems/fake-1`, {
    headers: { authorization: 'Basic ' + Buffer.from(`${ready.username}:${ready.password}`).toString('base64') },
  });
  t.equal(((await rf.json()) as { PowerState: string }).PowerState, 'On', 'Redfish sees the IPMI power-on');
  child.kill('SIGTERM');
  t.equal(await exit, 0, 'SIGTERM: clean exit');
});

t.test('bmc serve: --ipmi-base-address without --ipmi, or not an IPv4 address, is a usage error', async (t) => {
  for (const args of [['--ipmi-base-address', '127.31.0.1'], ['--ipmi', '--ipmi-base-address', '127.31.0']]) {
    const r = await run(process.execPath, ['bin/fleetlab.js', 'bmc', 'serve', ...args], { cwd: root }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    t.equal(r.code, 2, args.join(' '));
    t.match(r.stderr, /ipmi-base-address/);
  }
});
