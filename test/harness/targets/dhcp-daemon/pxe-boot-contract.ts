/**
 * The PXE boot plan every real DHCP server under test must honour (harness/targets/pxe-subnet.ts),
 * checked the same way against dnsmasq and Kea: relayed DORA per site through test relays, the
 * PXE → iPXE → HTTP boot-file classes, and the lease file as the record of who got what.
 */
import type { Test } from 'tap';
import { existsSync } from 'node:fs';
import { startTestRelay } from './dhcp-relay-kit.ts';
import { DhcpOption, optIp, optString } from '../../../../lab/proto/dhcp/dhcp-packet.ts';
import type { DhcpDaemonProcess } from '../../../../harness/targets/dhcp-daemon/dhcp-daemon-workspace.ts';

export const CONTRACT_SUBNETS = [0, 1].map((i) => ({ name: `s${i}`, subnet: `127.24.${i}.0/24`, relay: `127.24.${i}.1`, poolStart: `127.24.${i}.10`, poolEnd: `127.24.${i}.250` }));

/** The plan the contract expects the server to have been started with. */
export const CONTRACT_PLAN = {
  subnets: CONTRACT_SUBNETS,
  biosBootFile: 'undionly.kpxe',
  uefiBootFile: 'ipxe.efi',
  ipxeScriptUrl: 'http://127.24.200.1:8080/boot.ipxe',
  httpBootUrl: 'http://127.24.200.1:8080/ipxe.efi',
};

/**
 * Runs the contract, then stops the server and checks its run dir is gone. `nextServer` is where
 * PXE ROMs must be sent for TFTP; `beforeLeases` runs server-specific checks while it serves.
 */
export async function checkPxeBootPlan(t: Test, srv: DhcpDaemonProcess, nextServer: { host: string; what: string }, beforeLeases?: () => Promise<void>): Promise<void> {
  const relays = await Promise.all(CONTRACT_SUBNETS.map((s) => startTestRelay(s.relay, 67, srv.dhcp)));
  t.teardown(() => Promise.all(relays.map((r) => r.close())));

  const uefi = await relays[0]!.dora('52:54:00:24:00:01', { firmware: 'uefi' });
  t.match(uefi.offer.yiaddr, /^127\.24\.0\.(\d+)$/, 'site 0 pool chosen by giaddr');
  t.equal(uefi.ack.yiaddr, uefi.offer.yiaddr);
  t.equal(uefi.ack.file, 'ipxe.efi', 'UEFI PXE ROM gets iPXE for EFI');
  t.equal(uefi.ack.siaddr, nextServer.host, `next-server = ${nextServer.what}`);
  t.equal(optIp(uefi.ack, DhcpOption.ROUTER), '127.24.0.1');
  t.same([...(uefi.ack.options.get(43) ?? [])].slice(0, 3), [6, 1, 8], 'option 43 sub-option 6 = 8 for PXEClient');

  const bios = await relays[1]!.dora('52:54:00:24:01:01', { firmware: 'bios' });
  t.match(bios.ack.yiaddr, /^127\.24\.1\./, 'site 1 pool');
  t.equal(bios.ack.file, 'undionly.kpxe', 'BIOS ROM gets undionly.kpxe');

  const ipxe = await relays[0]!.dora('52:54:00:24:00:01', { firmware: 'uefi', ipxe: true });
  t.equal(ipxe.ack.file, 'http://127.24.200.1:8080/boot.ipxe', 'iPXE (user class iPXE) chains to the HTTP script');
  t.equal(ipxe.ack.yiaddr, uefi.ack.yiaddr, 'same node keeps its address');

  const http = await relays[0]!.dora('52:54:00:24:00:02', { firmware: 'uefi-http' });
  t.equal(http.ack.file, 'http://127.24.200.1:8080/ipxe.efi', 'UEFI HTTP boot gets a URL');
  t.equal(optString(http.ack, DhcpOption.VENDOR_CLASS), 'HTTPClient', 'and option 60 echoed');

  await beforeLeases?.();

  const leases = await srv.leases();
  t.same(
    leases.map((l) => [l.mac, l.ip]).sort(),
    [
      ['52:54:00:24:00:01', uefi.ack.yiaddr],
      ['52:54:00:24:00:02', http.ack.yiaddr],
      ['52:54:00:24:01:01', bios.ack.yiaddr],
    ].sort(),
    'lease file lists every node with its address',
  );
  const dir = srv.dir;
  await srv.stop();
  t.notOk(srv.daemon.running, 'stopped');
  t.notOk(existsSync(dir), 'run dir removed');
}
