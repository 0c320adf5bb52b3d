/**
 * The qemu command line of one lab VM, run inside its site's network namespace: a paused (-S)
 * pc machine whose process is the chassis, serial console on stdout, QMP on a unix socket, a
 * sparse raw disk, a TAP NIC with QEMU's default iPXE ROM and an empty CD drive.
 *
 *   ip netns exec <ns> qemu-system-x86_64 … -qmp unix:<qmp.sock> -S -action shutdown=pause
 *      bootindex: disk 1, net 2, cd 3 (re-ordered over QMP per boot override: boot-order.ts)
 */
import { NO_DEVICE_REBOOT_MS } from './serial-phases.ts';
import type { Inventory } from '../../base/machine.ts';
import { QEMU_BIN } from './accel.ts';

export interface QemuArgsInput {
  /** Network namespace to run in, and the name prefix of the VM. */
  ns: string;
  vmName: string;
  accel: string;
  memoryMiB: number;
  qmpPath: string;
  uuid: string;
  inventory: Inventory;
  diskPath: string;
  tap: string;
  mac: string;
}

/** Arguments for `ip` (netns exec … qemu). */
export function qemuArgs(a: QemuArgsInput): string[] {
  const inv = a.inventory;
  return [
    'netns', 'exec', a.ns, QEMU_BIN,
    '-name', a.vmName,
    '-machine', `pc,accel=${a.accel}`, '-m', String(a.memoryMiB), '-smp', '1',
    // -nographic is what routes SeaBIOS/iPXE output to the serial port; serial → our stdout pipe.
    '-nographic', '-chardev', 'stdio,id=ser0,signal=off', '-serial', 'chardev:ser0', '-monitor', 'none',
    '-qmp', `unix:${a.qmpPath},server=on,wait=off`,
    '-S', '-action', 'shutdown=pause',
    '-uuid', a.uuid,
    '-smbios', `type=1,manufacturer=${inv.vendor.replace(/,/g, ' ')},product=${inv.model.replace(/,/g, ' ')},serial=${inv.serial}`,
    // cache=unsafe: a throwaway lab disk; guest flushes then cost nothing on the host (a power
    // cut through QMP still loses only what the guest had not written yet, as before).
    '-drive', `file=${a.diskPath},format=raw,if=none,id=disk0,cache=unsafe`,
    '-device', 'virtio-blk-pci,drive=disk0,id=vdisk,bootindex=1',
    // No romfile=: the default iPXE ROM must run. The ROM sends user class "iPXE".
    '-netdev', `tap,id=net0,ifname=${a.tap},script=no,downscript=no`,
    '-device', `virtio-net-pci,netdev=net0,id=vnet,mac=${a.mac},bootindex=2`,
    '-drive', 'if=none,id=cd0,media=cdrom', '-device', 'ide-cd,drive=cd0,id=vcd,bootindex=3',
    // reboot-timeout: after "No bootable device" SeaBIOS reboots and tries again (a real PXE
    // machine's retry loop); the serial parser counts those boots (NO_DEVICE_RETRIES).
    '-boot', `menu=off,reboot-timeout=${NO_DEVICE_REBOOT_MS}`,
  ];
}
