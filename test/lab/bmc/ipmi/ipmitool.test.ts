/**
 * Acceptance: Debian's ipmitool over lanplus, cipher suites 3 and 17, every command checked
 * against the FakeMachine behind the BMC.
 */
import t from 'tap';
import { ipmitool, rawBytes, startLab } from './fixtures/ipmi-test-kit.ts';

for (const suite of [3, 17]) {
  t.test(`ipmitool -I lanplus -C ${suite}`, async (t) => {
    const lab = await startLab(1);
    t.teardown(() => lab.close());
    const m = lab.machines[0]!;
    const addr = lab.addresses[0]!;
    const ipmi = (...args: string[]) => ipmitool(addr, suite, args);
    const ok = async (args: string[]) => {
      const r = await ipmi(...args);
      t.equal(r.code, 0, `ipmitool ${args.join(' ')} exits 0 (${r.stderr.trim()})`);
      return r.stdout;
    };

    t.match(await ok(['power', 'status']), /Chassis Power is off/);
    await ok(['power', 'on']);
    t.equal(m.power(), 'on', 'power on turns the machine on');
    t.equal(m.boots.length, 1, 'and it boots once');
    t.match(await ok(['power', 'status']), /Chassis Power is on/);
    const status = await ok(['chassis', 'status']);
    t.match(status, /System Power\s+: on/);
    t.match(status, /Last Power Event\s+: command/, 'last power-on came from an IPMI command');

    await ok(['power', 'cycle']);
    t.equal(m.power(), 'on');
    t.equal(m.boots.length, 2, 'power cycle boots again');
    await ok(['power', 'reset']);
    t.equal(m.boots.length, 3, 'hard reset boots again');
    await ok(['power', 'soft']);
    t.equal(m.power(), 'off', 'soft (ACPI) shutdown powers off');
    await ok(['power', 'on']);
    await ok(['power', 'off']);
    t.equal(m.power(), 'off');

    // One-time PXE override: set, read back, consumed by the next boot, then reported invalid.
    await ok(['chassis', 'bootdev', 'pxe']);
    t.same(m.bootOverride, { target: 'pxe', mode: 'legacy', once: true });
    let p5 = await ok(['chassis', 'bootparam', 'get', '5']);
    t.match(p5, /Boot Flag Valid/);
    t.match(p5, /Options apply to only next boot/);
    t.match(p5, /Force PXE/);
    await ok(['power', 'on']);
    t.same(m.boots.at(-1), { device: 'pxe', mode: 'legacy', consumedOnce: true }, 'the boot used the override');
    p5 = await ok(['chassis', 'bootparam', 'get', '5']);
    t.match(p5, /Boot Flag Invalid/, 'valid bit cleared after the boot that used it');
    t.notMatch(p5, /Force PXE/);

    await ok(['chassis', 'bootdev', 'pxe', 'options=efiboot,persistent']);
    t.same(m.bootOverride, { target: 'pxe', mode: 'uefi', once: false });
    p5 = await ok(['chassis', 'bootparam', 'get', '5']);
    t.match(p5, /Boot parameter data: e004000000/);
    t.match(p5, /Options apply to all future boots/);
    t.match(p5, /BIOS EFI boot/);
    await ok(['power', 'reset']);
    t.same(m.bootOverride, { target: 'pxe', mode: 'uefi', once: false }, 'a persistent override survives boots');

    // Ironic's "don't clear the valid bit after 60 s" write, read back as parameter 3.
    await ok(['raw', '0x00', '0x08', '0x03', '0x08']);
    t.same(rawBytes(await ok(['raw', '0x00', '0x09', '0x03', '0x00', '0x00'])), [0x01, 0x03, 0x08]);

    // Ironic's UEFI disk override via raw (0xa0: valid + EFI, next boot only; 0x08: disk).
    await ok(['raw', '0x00', '0x08', '0x05', '0xa0', '0x08', '0x00', '0x00', '0x00']);
    t.same(m.bootOverride, { target: 'hdd', mode: 'uefi', once: true });

    t.match(await ok(['mc', 'selftest']), /Selftest: passed/);
    t.match(await ok(['mc', 'guid']), new RegExp(`System GUID\\s+: ${m.inventory().uuid}`), 'GUID is the inventory UUID');
    await ok(['mc', 'reset', 'warm']);
    const mc = await ok(['mc', 'info']);
    t.match(mc, /IPMI Version\s+: 2\.0/);
    t.match(mc, /Chassis Device/);

    const lanPrint = await ok(['lan', 'print', '1']);
    t.match(lanPrint, new RegExp(`IP Address\\s+: ${addr.host.replace(/\./g, '\\.')}`), 'lan print reports the BMC address');
    t.match(lanPrint, /MAC Address\s+: 02:00:/);

    await ok(['chassis', 'identify', '5']);
    let cs = rawBytes(await ok(['raw', '0x00', '0x01']));
    t.equal((cs[2]! >> 4) & 0x03, 1, 'identify is on (timed) after identify 5');
    await ok(['chassis', 'identify', '0']);
    cs = rawBytes(await ok(['raw', '0x00', '0x01']));
    t.equal((cs[2]! >> 4) & 0x03, 0, 'identify 0 turns it off');

    const users = await ok(['user', 'list']);
    t.match(users, /^2\s+admin\s+.*ADMINISTRATOR/m);
    const sel = await ok(['sel', 'list']);
    t.match(sel, /System ACPI Power State.*S0\/G0: working/, 'power-on events are in the SEL');
    await ok(['sel', 'clear']);
    t.match(await ok(['sel', 'info']), /Entries\s+: 0/);

    const unknown = await ipmi('raw', '0x06', '0x99');
    t.not(unknown.code, 0);
    t.match(unknown.stderr, /rsp=0xc1/, 'unknown command answers completion code 0xC1');

    const ctrl = lab.sink.requests('chassis.control');
    t.ok(ctrl.length >= 7, 'every Chassis Control is a bmc.request event');
    t.match(ctrl[0], { kind: 'bmc.request', bmc: 'node-0', proto: 'ipmi', status: 0 });
    t.equal(lab.sink.requests().filter((e) => e.status === 'malformed').length, 0, 'ipmitool sent nothing we call malformed');
  });
}
