/**
 * The machine a run measures on, recorded in run.start (run.json `config.host`, the report header,
 * `fleetlab compare`): a nightly's numbers mean little without the kernel, the cores and whether
 * qemu guests had KVM or ran under TCG.
 */
import { existsSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import type { HostInfo } from '../../lab/base/event.ts';

export function hostInfo(): HostInfo {
  const c = cpus();
  // The qemu tier uses TCG unless FLEETLAB_QEMU_ACCEL asks otherwise (lab/nodes/qemu/accel.ts).
  const pref = process.env.FLEETLAB_QEMU_ACCEL ?? 'tcg';
  const kvm = existsSync('/dev/kvm');
  return {
    kernel: `${type()} ${release()}`,
    cores: c.length,
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    accelerator: pref === 'tcg' ? (kvm ? 'tcg (/dev/kvm present)' : 'tcg') : pref,
    memoryMB: Math.round(totalmem() / 1e6),
  };
}
