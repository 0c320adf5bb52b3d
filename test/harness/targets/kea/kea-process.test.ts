// Kea (Debian kea-dhcp4-server) as configured by fleetlab: relayed DHCP per site, the PXE → iPXE
// → HTTP boot-file classes, next-server pointing at fleetlab's TFTP, and the lease file as the record of who got what.
import t from 'tap';
import { startKea } from '../../../../harness/targets/kea/kea-process.ts';
import { CONTRACT_PLAN, checkPxeBootPlan } from '../dhcp-daemon/pxe-boot-contract.ts';

t.test('Kea serves relayed PXE subnets with the boot chain and records leases', async (t) => {
  const srv = await startKea({ ...CONTRACT_PLAN, tftpServer: '127.24.200.1' });
  t.teardown(() => srv.stop());
  await checkPxeBootPlan(t, srv, { host: '127.24.200.1', what: "fleetlab's TFTP" });
});

t.test("a bad config fails start-up with Kea's own message", async (t) => {
  await t.rejects(
    startKea({
      subnets: [{ name: 'bad', subnet: '127.24.9.0/24', relay: '127.24.9.1', poolStart: 'not-an-ip', poolEnd: '127.24.9.250' }],
      biosBootFile: 'a',
      uefiBootFile: 'b',
      ipxeScriptUrl: 'http://x/',
      httpBootUrl: 'http://x/',
      tftpServer: '127.0.0.1',
    }),
    { code: 'FLEETLAB_ERR_TARGET_START', message: /kea/ },
  );
});
