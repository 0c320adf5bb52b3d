/**
 * ObservedNode without a rack: the boot traffic of one machine, fed by hand. After ready, the
 * installed OS's own lease (vendor class fleetlab-os, the boot payload's disk boot) must not
 * reopen the node as a new PXE boot; a real PXE DISCOVER after ready still does.
 */
import t from 'tap';
import type { EventBody } from '../../../../lab/base/event.ts';
import { DHCP } from '../../../../lab/nodes/hardware/boot-traffic.ts';
import { ObservedNode } from '../../../../lab/nodes/hardware/observed-phases.ts';

const mac = '52:54:00:ab:10:01';

function provisioned(): { node: ObservedNode; events: EventBody[] } {
  const events: EventBody[] = [];
  const node = new ObservedNode({ node: 'm0', site: 'rack', emit: (e) => void events.push(e), now: () => 0, powerOnToDhcpMs: 60_000 });
  node.power('on', 'test');
  node.see({ kind: 'dhcp', mac, dir: 'request', type: DHCP.DISCOVER, userClass: 'iPXE' });
  node.see({ kind: 'dhcp', mac, dir: 'request', type: DHCP.DISCOVER, vendorClass: 'fleetlab-installer' });
  node.see({ kind: 'http', mac, method: 'POST', path: '/callback/m0' });
  node.see({ kind: 'http-status', mac, method: 'POST', path: '/callback/m0', status: 200 });
  node.close();
  return { node, events };
}

t.test("the installed OS's lease after ready is not a new provisioning", async (t) => {
  const { node, events } = provisioned();
  t.ok(events.some((e) => e.kind === 'node.ready'), 'ready on the callback');
  const before = events.length;
  node.see({ kind: 'dhcp', mac, dir: 'request', type: DHCP.DISCOVER, vendorClass: 'fleetlab-os' });
  node.see({ kind: 'dhcp', mac, dir: 'reply', type: DHCP.ACK, ip: '10.213.0.101', vendorClass: 'fleetlab-os' });
  t.same(events.slice(before), [], 'no phase, no dhcp event');
});

t.test('a PXE DISCOVER after ready still starts the node over (a re-provision)', async (t) => {
  const { node, events } = provisioned();
  const before = events.length;
  node.see({ kind: 'dhcp', mac, dir: 'request', type: DHCP.DISCOVER });
  t.match(events.slice(before), [{ kind: 'node.phase', phase: 'dhcp' }, { kind: 'dhcp.discover', stage: 'pxe' }]);
});
