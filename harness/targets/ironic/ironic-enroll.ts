/**
 * Enrolling nodes in Ironic: one node + its ports per TargetNode, with the redfish or ipmi driver
 * pointed at fleetlab's BMC emulators and the generated deploy kernel/ramdisk, then verified
 * (manage ─▶ manageable) and made available (provide ─▶ available).
 */
import { FleetlabError } from '../../../lab/base/errors.ts';
import type { TargetNode } from '../target.ts';
import { pool } from '../reference/reference-api.ts';
import type { IronicClient } from './ironic-client.ts';
import type { IronicOptions } from './ironic-options.ts';
import { waitForProvisionState, type IronicWaitOptions } from './ironic-wait.ts';

export interface EnrollDeps {
  options: Pick<IronicOptions, 'driver' | 'oobPowerOff'>;
  /** URLs of the deploy kernel and ramdisk Ironic boots the agent from. */
  deploy: { kernel: string; ramdisk: string };
  wait: IronicWaitOptions;
}

export async function enrollIronicNodes(c: IronicClient, nodes: TargetNode[], d: EnrollDeps): Promise<void> {
  const { driver } = d.options;
  await pool(nodes, 8, async (n) => {
    await c.createNode({
      name: n.name,
      uuid: n.uuid,
      driver,
      boot_interface: 'ipxe',
      deploy_interface: 'direct',
      network_interface: 'noop',
      driver_info: driverInfo(n, d),
      properties: { capabilities: `boot_mode:${n.firmware === 'uefi' ? 'uefi' : 'bios'}`, cpu_arch: 'x86_64' },
    });
    for (const mac of n.macs) await c.createPort(n.uuid, mac);
  });
  // Verify one node at a time (~1 s each): concurrent verifies of an all-in-one sqlite Ironic
  // were what stalled it under load.
  for (const n of nodes) {
    await c.setProvisionState(n.uuid, 'manage');
    await waitForProvisionState(c, [n], 'manageable', 90_000, d.wait);
  }
  await pool(nodes, 8, async (n) => {
    await c.setProvisionState(n.uuid, 'provide');
  });
  await waitForProvisionState(c, nodes, 'available', 90_000, d.wait);
}

/** The node's driver_info: deploy images and the BMC (Redfish system or IPMI address) with credentials. */
function driverInfo(n: TargetNode, d: EnrollDeps): Record<string, unknown> {
  const info: Record<string, unknown> = { deploy_kernel: d.deploy.kernel, deploy_ramdisk: d.deploy.ramdisk };
  if (d.options.oobPowerOff) info.deploy_forces_oob_reboot = true;
  if (d.options.driver === 'redfish') {
    if (!n.bmc.redfish) throw new FleetlabError('TARGET', `ironic: node ${n.name} has no Redfish BMC (driver redfish)`);
    return Object.assign(info, {
      redfish_address: n.bmc.redfish.url,
      redfish_system_id: `/redfish/v1/Systems/${n.bmc.redfish.systemId}`,
      redfish_username: n.bmc.username,
      redfish_password: n.bmc.password,
      redfish_verify_ca: false,
    });
  }
  if (!n.bmc.ipmi) throw new FleetlabError('TARGET', `ironic: node ${n.name} has no IPMI BMC (driver ipmi; run as root or with --param bmc=ipmi)`);
  return Object.assign(info, {
    ipmi_address: n.bmc.ipmi.host,
    ipmi_port: n.bmc.ipmi.port,
    ipmi_username: n.bmc.username,
    ipmi_password: n.bmc.password,
    // Explicit: ipmitool otherwise spends ~10 s probing cipher suites.
    ipmi_cipher_suite: 17,
  });
}
