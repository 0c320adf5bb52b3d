/**
 * The machine-wide lock for a well-known port (DHCP 67, TFTP 69) a fleetlab-started server binds
 * on loopback: see lab/machine-lock.ts.
 */
import { acquireMachineLock, type MachineLock, type MachineLockOptions } from '../../lab/machine-lock.ts';

export type PortLock = MachineLock;

export function acquirePortLock(name: string, o: Omit<MachineLockOptions, 'what'> = {}): Promise<PortLock> {
  return acquireMachineLock(`port-${name}`, { ...o, what: `port ${name}` });
}
