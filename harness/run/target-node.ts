/**
 * A lab node as a target sees it (`TargetNode`: name, site, MACs, firmware, BMC addresses and
 * credentials): what the adapters enroll and what the scenario's node handles extend. A hardware
 * node's BMC is the one its inventory entry names (LabNode.remoteBmc), not an emulator's.
 */
import type { Lab } from '../../lab/lab.ts';
import { FleetlabError } from '../../lab/base/errors.ts';
import type { TargetNode } from '../targets/target.ts';

/** IPMI listen addresses by system id, indexed once per lab (called for every node and every boot). */
const ipmiIndex = new WeakMap<Lab, Map<string, { host: string; port: number }>>();
function ipmiAddressOf(lab: Lab, system: string): { host: string; port: number } | undefined {
  let m = ipmiIndex.get(lab);
  if (!m) ipmiIndex.set(lab, (m = new Map(lab.ipmi.map((a) => [a.system, { host: a.host, port: a.port }]))));
  return m.get(system);
}

/** `name` must be a node of `lab`. */
export function toTargetNode(lab: Lab, name: string): TargetNode {
  const n = lab.node(name)!;
  const bmc = n.remoteBmc ?? {
    ...(lab.redfish ? { redfish: { url: lab.redfish.url, systemId: n.bmc.id } } : {}),
    ...(n.bmc.ipmi && lab.ipmi.length ? { ipmi: ipmiAddressOf(lab, n.bmc.id) ?? n.bmc.ipmi } : {}),
    username: n.bmc.credentials.username,
    password: n.bmc.credentials.password,
  };
  return {
    name: n.name,
    site: n.site,
    uuid: n.spec.uuid,
    macs: n.spec.macs,
    profile: n.spec.profile.name,
    firmware: n.spec.profile.firmware,
    bmc,
  };
}

/** Like toTargetNode for a name that comes from outside (an agent persona asking for its node). */
export function targetNodeOf(lab: Lab, name: string): TargetNode {
  const n = lab.node(name);
  if (!n) throw new FleetlabError('TARGET', `unknown node ${name}`);
  return toTargetNode(lab, n.name);
}
