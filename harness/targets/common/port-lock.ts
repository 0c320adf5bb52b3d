/**
 * The machine-wide lock for a well-known port (DHCP 67, TFTP 69) a fleetlab-started server binds
 * on loopback: see lab/base/host-lock.ts.
 */
import { acquireHostLock, type HostLock, type HostLockOptions } from '../../../lab/base/host-lock.ts';

export type PortLock = HostLock;

export function acquirePortLock(name: string, o: Omit<HostLockOptions, 'what'> = {}): Promise<PortLock> {
  return acquireHostLock(`port-${name}`, { ...o, what: `port ${name}` });
}
