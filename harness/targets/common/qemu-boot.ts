/**
 * What a target's HTTP side needs for qemu-tier sites: their VMs boot the real payload (kernel +
 * busybox installer initramfs, built on first use) and reach the server as CORE_ADDR, which the
 * site's WAN DNATs to host loopback (lab/net/netns). Sim-only labs get nothing.
 */
import { ensureBootPayload } from '../../../lab/nodes/qemu/boot-payload/build.ts';
import { CORE_ADDR } from '../../../lab/net/netns/naming.ts';
import { isNetnsSite, type ResolvedLab } from '../../../lab/config/lab-spec.ts';

export async function qemuBoot(lab: ResolvedLab): Promise<{ qemu?: { coreAddr: string; relays: string[]; vmlinuz: string; initrd: string } }> {
  // Hardware sites' machines boot the same real payload through the same kind of site.
  const relays = lab.sites.filter((s) => isNetnsSite(s)).map((s) => s.relay);
  if (!relays.length) return {};
  const p = await ensureBootPayload();
  return { qemu: { coreAddr: CORE_ADDR, relays, vmlinuz: p.vmlinuz, initrd: p.initrd } };
}
