// The IPA persona against a real Ironic (Debian python3-ironic): two nodes, one behind fleetlab's
// Redfish emulator and one behind its IPMI emulator, go available → active only if the persona
// speaks the agent protocol as Ironic's conductor expects (lookup, heartbeat, deploy steps,
// install_bootloader, power off). Both agents share one agent API server.
import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startIronic } from '../../../../../harness/targets/ironic/ironic-process.ts';
import { IronicClient } from '../../../../../harness/targets/ironic/ironic-client.ts';
import { startIpaAgentServer } from '../../../../../lab/nodes/sim/personas/ipa-agent-server.ts';
import { ipaPersona } from '../../../../../lab/nodes/sim/personas/ipa-persona.ts';
import { startRedfishServer } from '../../../../../lab/bmc/redfish/redfish-server.ts';
import { startIpmiServer } from '../../../../../lab/bmc/ipmi/ipmi-server.ts';
import { FakeMachine, fakeInventory } from '../../../../../lab/nodes/fake/fake-machine.ts';
import type { BmcSystem } from '../../../../../lab/bmc/bmc-system.ts';
import { fakeAgentContext } from './fake-agent-context.ts';

const image = randomBytes(256 * 1024);
const sha256 = createHash('sha256').update(image).digest('hex');

t.test('IPA persona deploys nodes through a real Ironic (redfish and ipmi drivers)', async (t) => {
  const files = new Map<string, Buffer>([
    ['/deploy_kernel', Buffer.from('kernel')],
    ['/deploy_ramdisk', Buffer.from('ramdisk')],
    ['/disk.img', image],
  ]);
  const http = createServer((req, res) => {
    const f = files.get(req.url ?? '');
    if (!f) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': f.length });
    res.end(req.method === 'HEAD' ? undefined : f);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => http.close(() => r())));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

  const ironic = await startIronic({ httpUrl: `${base}/ironic-http`, conf: { heartbeatTimeoutS: 4 } });
  t.teardown(() => ironic.stop());
  const agents = await startIpaAgentServer();
  t.teardown(() => agents.close());
  const client = new IronicClient({ url: ironic.url });

  // BMCs in front of machines without firmware: Ironic's power/boot calls are real protocol.
  const machines = [new FakeMachine('n0', fakeInventory(0)), new FakeMachine('n1', fakeInventory(1))] as const;
  const creds = { username: 'admin', password: 'pw' };
  const systems: BmcSystem[] = machines.map((m) => ({ id: m.id, machine: m, credentials: creds }));
  const redfish = await startRedfishServer({ systems: [systems[0]!] });
  t.teardown(() => redfish.close());
  const ipmi = await startIpmiServer({ systems: [{ ...systems[1]!, ipmi: { host: '127.24.0.11', port: 0 } }] });
  t.teardown(() => ipmi.close());
  const ipmiAddr = ipmi.addresses[0]!;

  const nodes = [
    {
      uuid: '6f0a4d2e-0d3c-4b7e-9a51-24000000a000',
      mac: '52:54:00:24:00:00',
      machine: machines[0],
      driver: 'redfish',
      driver_info: { redfish_address: redfish.url, redfish_system_id: '/redfish/v1/Systems/n0', redfish_username: 'admin', redfish_password: 'pw', redfish_verify_ca: false },
    },
    {
      uuid: '6f0a4d2e-0d3c-4b7e-9a51-24000000a001',
      mac: '52:54:00:24:00:01',
      machine: machines[1],
      driver: 'ipmi',
      driver_info: { ipmi_address: ipmiAddr.host, ipmi_port: ipmiAddr.port, ipmi_username: 'admin', ipmi_password: 'pw', ipmi_cipher_suite: 17 },
    },
  ];
  for (const [i, n] of nodes.entries()) {
    await client.createNode({
      uuid: n.uuid,
      name: `n${i}`,
      driver: n.driver,
      boot_interface: 'ipxe',
      deploy_interface: 'direct',
      network_interface: 'noop',
      driver_info: { ...n.driver_info, deploy_kernel: `${base}/deploy_kernel`, deploy_ramdisk: `${base}/deploy_ramdisk` },
      properties: { capabilities: 'boot_mode:uefi' },
    });
    await client.createPort(n.uuid, n.mac);
    await client.setProvisionState(n.uuid, 'manage');
  }
  for (const n of nodes) await client.waitFor(n.uuid, (x) => x.provision_state === 'manageable', { timeoutMs: 60_000 });
  for (const n of nodes) await client.setProvisionState(n.uuid, 'provide');
  for (const n of nodes) await client.waitFor(n.uuid, (x) => x.provision_state === 'available', { timeoutMs: 60_000 });
  for (const n of nodes) {
    await client.patchNode(n.uuid, {
      '/instance_info/image_source': `${base}/disk.img`,
      '/instance_info/image_os_hash_algo': 'sha256',
      '/instance_info/image_os_hash_value': sha256,
    });
    await client.setProvisionState(n.uuid, 'active');
  }

  await Promise.all(
    nodes.map(async (n, i) => {
      await client.waitFor(n.uuid, (x) => x.provision_state === 'wait call-back', { timeoutMs: 60_000 });
      t.equal(n.machine.power(), 'on', `n${i}: Ironic powered the machine on`);
      t.equal(n.machine.boots.at(-1)?.device, 'pxe', `n${i}: with a PXE boot override`);
      const ctx = fakeAgentContext({ name: `n${i}`, uuid: n.uuid, macs: [n.mac], cmdline: `ipa-api-url=${ironic.url} BOOTIF=${n.mac}`, onPowerOff: () => n.machine.setPower('off') });
      const outcome = await ipaPersona({ server: agents }).run(ctx);
      t.same(outcome, { kind: 'poweroff' }, `n${i}: the agent ends by switching its node off`);
      t.same(ctx.disk.map((d) => [d.url, d.bytes, d.digest]), [[`${base}/disk.img`, image.length, sha256]], `n${i}: image downloaded, verified and written once`);
      const steps = ctx.events.flatMap((e) => (e.kind === 'agent.step' ? [e.step] : []));
      t.same(
        steps.filter((s) => ['lookup', 'heartbeat', 'get-deploy-steps', 'image-download', 'install-bootloader', 'power-off'].includes(s)),
        ['lookup', 'heartbeat', 'get-deploy-steps', 'image-download', 'install-bootloader', 'power-off'],
        `n${i}: protocol order as the conductor drives it`,
      );
      t.same(ctx.phases, ['image', 'callback'], `n${i}: node phases marked`);
      const done = await client.waitFor(n.uuid, (x) => x.provision_state === 'active', { timeoutMs: 60_000 });
      t.equal(done.last_error, null, `n${i}: active without last_error`);
      t.equal(n.machine.power(), 'on', `n${i}: Ironic powered the node back on`);
      t.equal(n.machine.boots.at(-1)?.device, 'hdd', `n${i}: to boot from its disk`);
    }),
  );
  t.same(agents.agents(), [], 'agents unregistered after power off');
});
