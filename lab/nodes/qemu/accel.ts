/**
 * Which qemu accelerator to use. TCG always works; KVM is only used when asked for
 * (`FLEETLAB_QEMU_ACCEL=kvm` / accel 'kvm') or when 'auto' and a probe guest boots under KVM
 * (on some hosts /dev/kvm exists but guests crash, so presence alone proves nothing).
 */
import { spawn, execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { FleetlabError } from '../../base/errors.ts';

export type AccelPref = 'tcg' | 'kvm' | 'auto';
export const QEMU_BIN = 'qemu-system-x86_64';

/** Host tools the qemu tier runs: [binary, args that print its version, Debian packages]. */
export const QEMU_HOST_TOOLS: readonly (readonly [string, string[], string])[] = [
  [QEMU_BIN, ['--version'], 'qemu-system-x86 ipxe-qemu'],
  ['dnsmasq', ['--version'], 'dnsmasq-base'],
  ['nft', ['--version'], 'nftables'],
  // The userspace WAN's TAP ends (lab/net/netns/userspace-wan.ts).
  ['socat', ['-V'], 'socat'],
];

/** qemu present? Throws FLEETLAB_ERR_QEMU_UNAVAILABLE naming the package otherwise. */
export function requireQemu(o: { socat?: boolean } = {}): void {
  const tools = QEMU_HOST_TOOLS.filter(([bin]) => bin !== 'socat' || o.socat !== false);
  const missing = tools.filter(([bin, args]) => {
    try {
      execFileSync(bin, args, { stdio: 'ignore', timeout: 10_000 });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length) {
    throw new FleetlabError('QEMU_UNAVAILABLE', `${missing.map(([b]) => b).join(', ')} not found: install the Debian packages ${missing.map(([, , p]) => p).join(' ')} (the qemu tier needs them)`);
  }
}

let probed: Promise<'tcg' | 'kvm'> | undefined;

/** Boot SeaBIOS under KVM for a few seconds: KVM counts only if the guest printed and qemu survived. */
function probeKvm(): Promise<'tcg' | 'kvm'> {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return Promise.resolve('tcg');
  }
  return new Promise((resolve) => {
    const p = spawn(QEMU_BIN, ['-accel', 'kvm', '-machine', 'pc', '-m', '64', '-nographic', '-monitor', 'none', '-serial', 'stdio', '-net', 'none', '-no-reboot'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    let died = false;
    p.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
    p.once('exit', () => (died = true));
    p.once('error', () => (died = true));
    setTimeout(() => {
      const ok = !died && /SeaBIOS/.test(out);
      p.kill('SIGKILL');
      resolve(ok ? 'kvm' : 'tcg');
    }, 4000);
  });
}

export async function resolveAccel(pref: AccelPref = (process.env.FLEETLAB_QEMU_ACCEL as AccelPref | undefined) ?? 'tcg'): Promise<'tcg' | 'kvm'> {
  if (pref === 'tcg' || pref === 'kvm') return pref;
  probed ??= probeKvm();
  return probed;
}
