/**
 * Inventory entries against fleetlab's own BMC emulators (Redfish on 127.0.0.1:0, IPMI on its own
 * port per BMC): the read-only probe changes nothing (checked in the emulators' own request
 * records and in the machines' state), its failures carry distinct codes, and a RemoteMachine is
 * built only for a machine that allows power control.
 */
import t from 'tap';
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERRORS } from '../../../lab/base/errors.ts';
import { startRedfishServer } from '../../../lab/bmc/redfish/redfish-server.ts';
import type { InventoryMachine } from '../../../lab/config/inventory/inventory-schema.ts';
import { validateInventory } from '../../../lab/config/inventory/load-inventory.ts';
import { probeMachine } from '../../../lab/clients/bmc-probe.ts';
import { machineFromInventory } from '../../../lab/clients/machine-from-inventory.ts';
import type { FakeMachine } from '../../../lab/nodes/fake/fake-machine.ts';
import { RecordingSink } from '../bmc/ipmi/fixtures/ipmi-test-kit.ts';
import { fakeSystems } from '../bmc/redfish/fixtures/systems.ts';
import { startIpmiLab, PASSWORD as IPMI_PASSWORD, USER } from './fixtures/ipmi-bmc.ts';
import { inventoryDoc, machineDoc } from '../config/inventory/fixtures/inventory-doc.ts';

const RF_PASSWORD = 'Inv-rf-S3cret';

function entries(docs: unknown[]): InventoryMachine[] {
  const v = validateInventory(inventoryDoc(docs));
  if (!v.inventory) throw new Error(JSON.stringify(v.errors));
  return v.inventory.machines;
}

/** IPMI commands that only read (ipmitool also sends DCMI/group-extension discovery gets, netfn 0x2c). */
const ipmiReadOnly = (op: string) => op.startsWith('session.') || /^(get-|chassis\.status|boot-options\.get|netfn-0x2c\.)/.test(op);

t.test('probe: read-only against both BMCs; state and request records prove nothing changed', async (t) => {
  const sink = new RecordingSink();
  const systems = fakeSystems(2, { username: USER, password: RF_PASSWORD });
  const rf = await startRedfishServer({ systems, events: sink });
  t.teardown(() => rf.close());
  const ipmi = await startIpmiLab(1);
  t.teardown(() => ipmi.close());
  process.env.FL_INV_USER = USER;
  process.env.FL_INV_RF = RF_PASSWORD;
  process.env.FL_INV_IPMI = IPMI_PASSWORD;
  t.teardown(() => ['FL_INV_USER', 'FL_INV_RF', 'FL_INV_IPMI'].forEach((k) => delete process.env[k]));
  // Non-default state, so a probe that reset anything would show.
  const m1 = systems[1]!.machine as FakeMachine;
  await m1.setPower('on');
  m1.bootOverride = { target: 'hdd', mode: 'legacy', once: false };
  const im = ipmi.machines[0]!;
  im.bootOverride = { target: 'pxe', mode: 'uefi', once: true };
  const before = [m1.power(), m1.bootOverride, im.power(), im.bootOverride];

  const [a] = entries([
    machineDoc(0, {
      bmc: { redfish: { url: rf.url, systemId: 'sys-1', authType: 'session' }, ipmi: { host: ipmi.addresses[0]!.host, port: ipmi.addresses[0]!.port } },
      credentials: { username: { env: 'FL_INV_USER' }, password: { env: 'FL_INV_RF' } },
    }),
  ]);
  // One password for both BMCs of a machine: give the IPMI emulator's account the same one.
  ipmi.systems[0]!.credentials.password = RF_PASSWORD;
  const r = await probeMachine(a!);
  t.equal(r.verdict, 'ok', r.reasons.join('\n'));
  t.equal(r.redfish?.powerState, 'On');
  t.equal(r.redfish?.authMode, 'session');
  t.ok(r.redfish?.bootTargets?.includes('Pxe'));
  t.same(r.redfish?.bootModes, ['UEFI', 'Legacy']);
  t.equal(r.redfish?.firmwareVersion, '1.0.0');
  t.equal(r.ipmi?.powerState, 'off');
  t.same(r.ipmi?.bootFlags, { valid: true, device: 'pxe', efi: true, persistent: false });
  t.same(r.ipmi?.cipherSuites, [3, 17]);
  t.equal(r.ipmi?.ipmiVersion, '2.0');

  t.same([m1.power(), m1.bootOverride, im.power(), im.bootOverride], before, 'power and boot overrides as they were');
  const rfOps = sink.requests().map((e) => e.op);
  t.ok(rfOps.length > 3, `the Redfish BMC saw the probe (${rfOps.join(', ')})`);
  t.same(
    rfOps.filter((op) => !op.startsWith('GET ')),
    ['POST Sessions', 'DELETE Session'],
    'only GETs, plus the session login and logout session auth needs',
  );
  const ipmiOps = ipmi.sink.requests().map((e) => e.op);
  t.ok(ipmiOps.includes('boot-options.get') && ipmiOps.includes('get-channel-cipher-suites'), 'bootparam 5 and cipher suites were read');
  t.same(
    ipmiOps.filter((op) => !ipmiReadOnly(op)),
    [],
    'no chassis control, no boot option set',
  );
});

t.test('probe failures: wrong password, refused and silent BMCs, an unset credential each have their own code', async (t) => {
  const rf = await startRedfishServer({ systems: fakeSystems(1, { username: USER, password: RF_PASSWORD }) });
  t.teardown(() => rf.close());
  const closed = await startRedfishServer({ systems: fakeSystems(1) });
  const deadUrl = closed.url;
  await closed.close();
  process.env.FL_INV_USER = USER;
  process.env.FL_INV_WRONG = 'Wr0ng-pw-value';
  t.teardown(() => ['FL_INV_USER', 'FL_INV_WRONG'].forEach((k) => delete process.env[k]));
  // A UDP port that takes packets and never answers: an IPMI BMC that is down.
  const silent = dgram.createSocket('udp4');
  await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
  t.teardown(() => silent.close());
  const cred = (pw: string) => ({ username: { env: 'FL_INV_USER' }, password: { env: pw } });
  const [wrong, dead, unset, mute] = entries([
    machineDoc(0, { bmc: { redfish: { url: rf.url } }, credentials: cred('FL_INV_WRONG') }),
    machineDoc(1, { bmc: { redfish: { url: deadUrl } }, credentials: cred('FL_INV_WRONG') }),
    machineDoc(2, { bmc: { redfish: { url: rf.url } }, credentials: cred('FL_INV_NOT_SET_ANYWHERE') }),
    machineDoc(3, { bmc: { ipmi: { host: '127.0.0.1', port: (silent.address() as AddressInfo).port } }, credentials: cred('FL_INV_WRONG') }),
  ]);
  const results = await Promise.all([wrong!, dead!, unset!, mute!].map((m) => probeMachine(m, { redfish: { retry: { retries: 0 } }, ipmi: { retries: 1, timeoutSec: 2 } })));
  t.same(
    results.map((r) => r.verdict),
    ['failed', 'failed', 'failed', 'failed'],
  );
  t.equal(results[3]!.ipmi?.failure?.code, ERRORS.BMC_CLIENT_TIMEOUT.code);
  t.equal(results[0]!.redfish?.failure?.code, ERRORS.BMC_CLIENT_AUTH.code);
  t.equal(results[1]!.redfish?.failure?.code, ERRORS.BMC_CLIENT_UNREACHABLE.code);
  t.match(results[2]!.reasons[0], new RegExp(`^${ERRORS.INVENTORY_CREDENTIAL.code}: .*FL_INV_NOT_SET_ANYWHERE is not set`));
  t.notMatch(JSON.stringify(results), 'Wr0ng-pw-value', 'the password is in no result');
});

t.test('machineFromInventory: a RemoteMachine that drives the machine, only with allowPowerControl', async (t) => {
  const systems = fakeSystems(1, { username: USER, password: RF_PASSWORD });
  const sink = new RecordingSink();
  const rf = await startRedfishServer({ systems, events: sink, resetWaitMs: 0 });
  t.teardown(() => rf.close());
  const ipmi = await startIpmiLab(1);
  t.teardown(() => ipmi.close());
  const dir = mkdtempSync(join(tmpdir(), 'fl-inv-m-'));
  writeFileSync(join(dir, 'ipmi-pw'), `${IPMI_PASSWORD}\n`, { mode: 0o600 });
  process.env.FL_INV_USER = USER;
  process.env.FL_INV_RF = RF_PASSWORD;
  t.teardown(() => ['FL_INV_USER', 'FL_INV_RF'].forEach((k) => delete process.env[k]));
  const { allowPowerControl: _, ...locked } = machineDoc(9, { bmc: { redfish: { url: rf.url } }, credentials: { username: { env: 'FL_INV_USER' }, password: { env: 'FL_INV_RF' } } });
  const [viaRf, viaIpmi, refused] = entries([
    machineDoc(0, { bmc: { redfish: { url: rf.url } }, credentials: { username: { env: 'FL_INV_USER' }, password: { env: 'FL_INV_RF' } } }),
    machineDoc(1, { bmc: { ipmi: { host: ipmi.addresses[0]!.host, port: ipmi.addresses[0]!.port } }, credentials: { username: { env: 'FL_INV_USER' }, password: { file: join(dir, 'ipmi-pw') } } }),
    locked,
  ]);

  await t.rejects(machineFromInventory(refused!), { code: ERRORS.INVENTORY_POWER_NOT_ALLOWED.code, message: /rack-9/ });
  t.same(sink.requests(), [], 'a refused machine is not even contacted');

  for (const [entry, fake] of [
    [viaRf!, systems[0]!.machine as FakeMachine],
    [viaIpmi!, ipmi.machines[0]!],
  ] as const) {
    const m = await machineFromInventory(entry, { machine: { pollMs: 50 } });
    t.teardown(() => m.close());
    t.same(m.inventory().nics, [{ name: 'boot0', mac: entry.bootMacs[0], speedMbps: 0 }], `${entry.name}: boot NICs from the inventory`);
    m.bootOverride = { target: 'pxe', mode: 'uefi', once: true };
    await m.flush();
    t.same(fake.bootOverride, { target: 'pxe', mode: 'uefi', once: true }, `${entry.name}: override reached the machine`);
    await m.setPower('on');
    t.equal(fake.power(), 'on', `${entry.name}: powered on through its BMC`);
  }
});
