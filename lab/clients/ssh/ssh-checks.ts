/**
 * Named post-provision checks run over an SSH session: what "the machine came up as intended"
 * means once it reports ready. Each check is one shell command (busybox-compatible, no Python
 * on the image) and a judge of its output; each failure carries its own error code so a run can
 * tell a wrong image from a missing disk from a NIC without its address.
 *
 *   image   cat /etc/fleetlab-image          name (and sha256) of the image the node booted
 *   rootfs  the `/` line of /proc/mounts      a root filesystem is mounted (of an expected type)
 *   disks   /sys/block/<d>/size               every expected disk present (and its size)
 *   nic     ip -o -4 addr show                the address the lab reached the node on is on a NIC
 */
import { ERRORS, FleetlabError } from '../../base/errors.ts';
import type { ErrorName } from '../../base/errors.ts';
import type { SshSession } from './ssh-session.ts';

export const SSH_CHECK_NAMES = ['image', 'rootfs', 'disks', 'nic'] as const;
export type SshCheckName = (typeof SSH_CHECK_NAMES)[number];

/** What the checks compare against (a check whose expectation is absent only checks presence). */
export interface SshExpect {
  image?: string;
  sha256?: string;
  /** Accepted root filesystem types (default: any). */
  rootfsTypes?: string[];
  /** Disk names (vda, sda, nvme0n1) with an optional minimum size in bytes. */
  disks?: { name: string; minBytes?: number }[];
  /** The address the lab connected to; `nic` checks some interface carries it. */
  address?: string;
  /** The interface it must be on (default: any). */
  nicName?: string;
}

export interface SshCheckResult {
  check: SshCheckName;
  ok: boolean;
  /** The SSH_CHECK_* (or SSH_COMMAND) code when it failed. */
  code?: string;
  message: string;
  /** The command's output (tail, 2 KiB). */
  output: string;
  ms: number;
}

interface CheckDef {
  command: string;
  error: ErrorName;
  judge: (out: string, x: SshExpect) => { ok: boolean; message: string };
}

const kv = (text: string) => Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')).trim(), l.slice(l.indexOf('=') + 1).trim()]));

const CHECKS: Record<SshCheckName, CheckDef> = {
  image: {
    command: 'cat /etc/fleetlab-image',
    error: 'SSH_CHECK_IMAGE',
    judge: (out, x) => {
      const f = kv(out);
      if (!f.name) return { ok: false, message: '/etc/fleetlab-image is missing or names no image' };
      if (x.image && f.name !== x.image) return { ok: false, message: `image ${f.name}, expected ${x.image}` };
      if (x.sha256 && f.sha256 !== x.sha256) return { ok: false, message: `image sha256 ${f.sha256 ?? '?'}, expected ${x.sha256}` };
      return { ok: true, message: `image ${f.name}${f.sha256 ? ` sha256 ${f.sha256.slice(0, 12)}…` : ''}` };
    },
  },
  rootfs: {
    command: 'cat /proc/mounts',
    error: 'SSH_CHECK_ROOTFS',
    judge: (out, x) => {
      const roots = out.split('\n').map((l) => l.split(' ')).filter((w) => w[1] === '/');
      const root = roots.at(-1); // the last mount on / is the one in effect
      if (!root) return { ok: false, message: 'no filesystem mounted on /' };
      const type = root[2] ?? '?';
      if (x.rootfsTypes?.length && !x.rootfsTypes.includes(type)) return { ok: false, message: `root filesystem is ${type}, expected ${x.rootfsTypes.join(' or ')}` };
      return { ok: true, message: `/ is ${root[0]} (${type}${root[3] ? `, ${root[3].split(',')[0]}` : ''})` };
    },
  },
  disks: {
    command: 'for d in /sys/block/*; do echo "${d##*/} $(cat $d/size)"; done',
    error: 'SSH_CHECK_DISKS',
    judge: (out, x) => {
      const present = new Map(out.split('\n').map((l) => l.trim().split(/\s+/)).filter((w) => w.length === 2 && w[0]).map((w) => [w[0]!, Number(w[1]) * 512]));
      const problems: string[] = [];
      for (const d of x.disks ?? []) {
        const bytes = present.get(d.name);
        if (bytes === undefined) problems.push(`${d.name} missing`);
        else if (d.minBytes && bytes < d.minBytes) problems.push(`${d.name} has ${bytes} B < ${d.minBytes} B`);
      }
      if (problems.length) return { ok: false, message: `${problems.join('; ')} (present: ${[...present.keys()].join(', ') || 'none'})` };
      return { ok: true, message: `${(x.disks ?? []).map((d) => d.name).join(', ') || 'no disks expected'} present` };
    },
  },
  nic: {
    command: 'ip -o -4 addr show',
    error: 'SSH_CHECK_NIC',
    judge: (out, x) => {
      const addrs = [...out.matchAll(/^\d+:\s+(\S+)\s+inet\s+([0-9.]+)\//gm)].map((m) => ({ nic: m[1]!, ip: m[2]! }));
      // Loopback counts only when the lab itself came in over it (a server on host loopback).
      const lab = x.address ? addrs : addrs.filter((a) => a.nic !== 'lo');
      const hit = lab.find((a) => (!x.address || a.ip === x.address) && (!x.nicName || a.nic === x.nicName));
      const where = `${x.address ?? 'an address'}${x.nicName ? ` on ${x.nicName}` : ''}`;
      if (!hit) return { ok: false, message: `no NIC carries ${where} (have: ${lab.map((a) => `${a.nic} ${a.ip}`).join(', ') || 'none'})` };
      return { ok: true, message: `${hit.nic} ${hit.ip}` };
    },
  },
};

/** Check names from user input (an unknown name is SSH_OPTIONS, naming the known ones). */
export function parseCheckNames(names: readonly string[]): SshCheckName[] {
  const bad = names.filter((n) => !(SSH_CHECK_NAMES as readonly string[]).includes(n));
  if (bad.length) throw new FleetlabError('SSH_OPTIONS', `unknown SSH check ${bad.join(', ')} (known: ${SSH_CHECK_NAMES.join(', ')})`);
  return names as SshCheckName[];
}

/** Run `checks` in order on `session`; a check that cannot run fails with SSH_COMMAND, the rest still run. */
export async function runSshChecks(session: SshSession, checks: readonly SshCheckName[], expect: SshExpect, timeoutMs = 30_000): Promise<SshCheckResult[]> {
  const results: SshCheckResult[] = [];
  for (const check of checks) {
    const def = CHECKS[check];
    const t0 = performance.now();
    try {
      const r = await session.exec(def.command, timeoutMs);
      const output = (r.stdout + r.stderr).slice(-2048);
      const v = r.code === 0 || check === 'image' ? def.judge(r.stdout, expect) : { ok: false, message: `exit ${r.code ?? r.signal}: ${r.stderr.trim().slice(-200)}` };
      results.push({ check, ok: v.ok, ...(v.ok ? {} : { code: ERRORS[def.error].code }), message: v.message, output, ms: r.ms });
    } catch (e) {
      const code = e instanceof FleetlabError ? e.code : ERRORS.SSH_COMMAND.code;
      results.push({ check, ok: false, code, message: (e as Error).message, output: '', ms: performance.now() - t0 });
    }
  }
  return results;
}
