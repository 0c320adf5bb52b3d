// dnsmasq (Debian dnsmasq-base) as configured by fleetlab: relayed DHCP per site, the PXE → iPXE
// → HTTP boot-file classes, its integrated TFTP, and the lease file as the record of who got what.
import t from 'tap';
import { startDnsmasq } from '../../../../harness/targets/dnsmasq/dnsmasq-process.ts';
import { tftpGet } from '../../../../lab/proto/tftp/tftp-client.ts';
import { CONTRACT_PLAN, checkPxeBootPlan } from '../dhcp-daemon/pxe-boot-contract.ts';

t.test('dnsmasq serves relayed PXE subnets with the boot chain and records leases', async (t) => {
  const efi = Buffer.alloc(3000, 0x45);
  const srv = await startDnsmasq({ ...CONTRACT_PLAN, tftpFiles: { 'ipxe.efi': efi, 'undionly.kpxe': Buffer.from('kpxe') } });
  t.teardown(() => srv.stop());
  await checkPxeBootPlan(t, srv, { host: srv.tftp.host, what: 'dnsmasq TFTP' }, async () => {
    const got = await tftpGet({ server: srv.tftp, file: 'ipxe.efi', blksize: 1432 });
    t.equal(got.bytes, efi.length, 'boot file over dnsmasq TFTP');
  });
});

t.test('a bad config fails start-up with dnsmasq own message', async (t) => {
  await t.rejects(
    startDnsmasq({
      subnets: [{ name: 'bad', subnet: '127.24.9.0/24', relay: '127.24.9.1', poolStart: 'not-an-ip', poolEnd: '127.24.9.250' }],
      biosBootFile: 'a',
      uefiBootFile: 'b',
      ipxeScriptUrl: 'http://x/',
      httpBootUrl: 'http://x/',
    }),
    { code: 'FLEETLAB_ERR_TARGET_START', message: /dnsmasq/ },
  );
});
