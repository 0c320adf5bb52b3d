/**
 * One qemu-tier site: a network namespace with a bridge (the site LAN), a routed veth "WAN" to
 * the host namespace where the target listens on loopback, a DHCP relay + IPv6 RA sender
 * (dnsmasq) at the site gateway, the link profile, and per-VM TAP devices. See naming.ts for
 * the picture and the addresses.
 *
 *   VM ─tap─ br0 (10.213.i.1 = giaddr) ─route─ wan0 ═WAN═ fl-<tag>-<i>h ─DNAT─▶ 127.0.0.1:<port>
 *      DHCP relay (dnsmasq) ─▶ CORE:67 ─DNAT─▶ 127.0.0.1:<dhcpPort>   replies ─▶ giaddr:67 (SNAT CORE)
 *
 * The WAN (═) is either two TAPs joined by this process through the site's link model (engine
 * 'userspace', the default: userspace-wan.ts) or a veth pair shaped by tc/nft (engine 'kernel':
 * link-shaper.ts). Everything around it (addresses, routes, NAT, relay) is the same.
 *
 * Everything created is recorded in order and torn down in reverse by `teardown()` (idempotent);
 * an exit guard covers a process that dies without it; `fleetlab lab gc` covers a SIGKILL.
 * Why routed + DNAT: the target listens on host loopback only. The one address the host side
 * gets is CORE/32 on our own WAN interface (noprefixroute, nothing else is routed): a real DHCP
 * server such as dnsmasq drops requests arriving on an interface without an IPv4 address, and
 * uses that address as its server identifier, which is then the CORE address VMs can reach.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventSink } from '../../base/event.ts';
import { ERRORS, FleetlabError } from '../../base/errors.ts';
import type { LinkProfile } from '../link-spec.ts';
import { acquireHostLock } from '../../base/host-lock.ts';
import { guardOnExit } from './exit-guard.ts';
import { killAndWait } from './kill.ts';
import { applyLink, type LinkApplyResult } from './link-shaper.ts';
import { startUserspaceWan, type FrameLink, type UserspaceWan, type UserspaceWanOptions } from './userspace-wan.ts';
import { CORE_ADDR, runTag, siteNames, tapName, type SiteNames } from './naming.ts';
import { inNs, sh, shSyncQuiet, trySh, tryInNs } from './sh.ts';

export interface CorePorts {
  /** The target's listeners on host loopback (127.0.0.1). */
  dhcpPort: number;
  tftpPort?: number;
  httpPort?: number;
  /** Host address the target binds (default 127.0.0.1). */
  host?: string;
}

export interface QemuSiteOptions {
  runId: string;
  /** Name tag of the run's resources (default runTag(runId); the qemu tier passes its claimed one). */
  tag?: string;
  /** Site index in the lab (0..255): picks the addresses. */
  index: number;
  site: string;
  core: CorePorts;
  link?: LinkProfile;
  /**
   * How the WAN is emulated. 'userspace' (default): frames cross this process and the site's
   * link model (`frameLink`: the sim tier's model, so faults and every profile field apply).
   * 'kernel': a veth with tc/nft (tbf rate, nft loss/partition; delay/jitter only where the
   * kernel has sch_netem — detected, and reported as not applied otherwise).
   */
  engine?: QemuLinkEngine;
  frameLink?: FrameLink;
  /** Every frame the userspace WAN delivers (userspace engine only). */
  observe?: UserspaceWanOptions['observe'];
  /** Where logs/pid files go (created). */
  workDir: string;
  events?: EventSink;
  /** Aborts waiting for the site's machine lock. */
  signal?: AbortSignal;
}

export type QemuLinkEngine = 'userspace' | 'kernel';

export interface QemuSite {
  readonly site: string;
  readonly engine: QemuLinkEngine;
  /** Frames through the userspace WAN (null for the kernel engine). */
  readonly wan: UserspaceWan['counters'] | null;
  readonly names: SiteNames;
  readonly ns: string;
  /** giaddr / default gateway of the site LAN. */
  readonly gateway: string;
  readonly lanCidr: string;
  /** Address VMs use to reach the target (DNAT'd to host loopback). */
  readonly coreAddr: string;
  /** DHCP pool the target should hand out for this site. */
  readonly pool: { start: string; end: string; netmask: string };
  /** Create TAP `tap<k>` on the site bridge; returns its name (inside the ns). */
  addTap(k: number): Promise<string>;
  removeTap(name: string): Promise<void>;
  setLink(profile: LinkProfile): Promise<LinkApplyResult>;
  teardown(): Promise<void>;
}

async function writeSysctl(ns: string | null, path: string, value: string): Promise<void> {
  const args = ['-c', `echo ${value} > ${path}`];
  if (ns) await inNs(ns, 'sh', args);
  else await sh('sh', args);
}

export async function createQemuSite(o: QemuSiteOptions): Promise<QemuSite> {
  const n = siteNames(o.tag ?? runTag(o.runId), o.index);
  const host = o.core.host ?? '127.0.0.1';
  const undo: Made['undo'] = [];
  const syncUndo: Made['syncUndo'] = [];
  let dnsmasq: ChildProcess | undefined;
  let wan: UserspaceWan | undefined;
  const engine: QemuLinkEngine = o.engine ?? 'userspace';
  const unguard = guardOnExit(() => {
    if (dnsmasq?.pid) shSyncQuiet('kill', ['-9', String(dnsmasq.pid)]);
    for (const f of [...syncUndo].reverse()) f();
  });
  let tornDown = false;

  const teardown = async () => {
    if (tornDown) return;
    tornDown = true;
    const errors: string[] = [];
    for (const u of [...undo].reverse()) {
      try {
        await u.fn();
      } catch (e) {
        errors.push(`${u.what}: ${(e as Error).message}`);
      }
    }
    unguard();
    if (errors.length) o.events?.emit({ kind: 'log', level: 'warn', msg: `qemu site ${o.site} teardown: ${errors.join('; ')}`, code: ERRORS.NETNS.code });
  };

  try {
    await mkdir(o.workDir, { recursive: true });
    // 0. The host-side routes and addresses of site index i exist once per machine: a concurrent
    //    run (tests in parallel) with a site of the same index waits for this one to finish.
    const lock = await acquireHostLock(`qemu-site-${o.index}`, { signal: o.signal, code: 'NETNS', what: `qemu site index ${o.index} (10.213.${o.index}.0/24)`, timeoutMs: 1_800_000 });
    undo.push({ what: `lock qemu site ${o.index}`, fn: async () => lock.release() });
    syncUndo.push(() => lock.release());
    // A run that does not share this lock (an older fleetlab, another lock dir) may still hold
    // this index's host routes ("RTNETLINK: File exists" below): wait for them as for the lock.
    await waitForFreeRoutes(n, o.site, o.signal, o.events);
    const made: Made = { undo, syncUndo };
    await createNamespace(n, made);
    wan = await createWan(n, o, engine, made);
    await configureSiteSide(n, wan);
    await installHostNat(n, host, o.core, made);

    // 5. Relay + RA (one dnsmasq, no DNS). iPXE waits ~13 s for an RA after DHCP without one.
    dnsmasq = spawnRelay(n, o.workDir);
    const child = dnsmasq;
    undo.push({ what: 'dnsmasq', fn: () => killAndWait(child) });
    await relayStarted(child, n);

    const site = siteHandle(o, n, engine, wan, teardown);
    if (o.link && engine === 'kernel') {
      const r = await applyLink(n, o.link);
      if (r.unsupported.length) o.events?.emit({ kind: 'log', level: 'warn', msg: `site ${o.site} (qemu): not applied: ${r.unsupported.join('; ')}`, code: ERRORS.NETNS.code });
    }
    return site;
  } catch (e) {
    await teardown();
    throw e;
  }
}

/** What createQemuSite made so far, in order: async undo for teardown(), sync undo for the exit guard. */
interface Made {
  undo: { what: string; fn: () => Promise<unknown> }[];
  syncUndo: (() => void)[];
}

/** 1. Namespace (lo up, IPv4 forwarding). */
async function createNamespace(n: SiteNames, made: Made): Promise<void> {
  await sh('ip', ['netns', 'add', n.ns]);
  made.undo.push({ what: `netns ${n.ns}`, fn: () => killNsProcesses(n.ns).then(() => sh('ip', ['netns', 'del', n.ns])) });
  made.syncUndo.push(() => {
    killNsProcessesSync(n.ns);
    shSyncQuiet('ip', ['netns', 'del', n.ns]);
  });
  await inNs(n.ns, 'ip', ['link', 'set', 'lo', 'up']);
  await writeSysctl(n.ns, '/proc/sys/net/ipv4/ip_forward', '1');
}

/** 2. WAN: the host end stays in the host ns, the site end becomes wan0 in the site ns. */
async function createWan(n: SiteNames, o: QemuSiteOptions, engine: QemuLinkEngine, made: Made): Promise<UserspaceWan | undefined> {
  let wan: UserspaceWan | undefined;
  if (engine === 'userspace') {
    // Two TAPs joined through the link model in this process (userspace-wan.ts).
    const siteTap = `${n.hostVeth.slice(0, -1)}s`;
    const w = await startUserspaceWan({ hostTap: n.hostVeth, siteTap, link: o.frameLink ?? null, site: o.site, events: o.events, ...(o.observe ? { observe: o.observe } : {}) });
    wan = w;
    made.undo.push({ what: `userspace WAN ${n.hostVeth}`, fn: () => w.close() });
    made.syncUndo.push(() => {
      for (const pid of w.pids) shSyncQuiet('kill', ['-9', String(pid)]);
    });
    await sh('ip', ['link', 'set', n.hostVeth, 'address', n.hostMac]);
    await sh('ip', ['link', 'set', siteTap, 'netns', n.ns]);
    await inNs(n.ns, 'ip', ['link', 'set', siteTap, 'name', n.siteVeth]);
    await inNs(n.ns, 'ip', ['link', 'set', n.siteVeth, 'address', n.siteMac]);
  } else {
    await sh('ip', ['link', 'add', n.hostVeth, 'address', n.hostMac, 'type', 'veth', 'peer', 'name', n.siteVeth, 'address', n.siteMac, 'netns', n.ns]);
    made.undo.push({ what: `link ${n.hostVeth}`, fn: () => trySh('ip', ['link', 'del', n.hostVeth]) });
    made.syncUndo.push(() => shSyncQuiet('ip', ['link', 'del', n.hostVeth]));
  }
  await writeSysctl(null, `/proc/sys/net/ipv6/conf/${n.hostVeth}/disable_ipv6`, '1');
  // DNAT to 127.0.0.1 of packets arriving here, and SNAT of loopback-sourced replies leaving here.
  await writeSysctl(null, `/proc/sys/net/ipv4/conf/${n.hostVeth}/route_localnet`, '1');
  await sh('ip', ['link', 'set', n.hostVeth, 'up']);
  await sh('ip', ['addr', 'add', `${CORE_ADDR}/32`, 'dev', n.hostVeth, 'noprefixroute']);
  await sh('ip', ['route', 'add', `${n.wanAddr}/32`, 'dev', n.hostVeth]);
  await sh('ip', ['neigh', 'replace', n.wanAddr, 'lladdr', n.siteMac, 'dev', n.hostVeth, 'nud', 'permanent']);
  await sh('ip', ['route', 'add', n.lanCidr, 'via', n.wanAddr, 'dev', n.hostVeth, 'onlink']);
  return wan;
}

/** 3. Site side: WAN address, route to CORE only, LAN bridge with v4 gateway + v6 (RA only). */
async function configureSiteSide(n: SiteNames, wan: UserspaceWan | undefined): Promise<void> {
  await inNs(n.ns, 'ip', ['addr', 'add', `${n.wanAddr}/32`, 'dev', n.siteVeth]);
  await inNs(n.ns, 'ip', ['link', 'set', n.siteVeth, 'up']);
  wan?.open(); // both ends are up now (see UserspaceWan.open)
  await inNs(n.ns, 'ip', ['route', 'add', `${CORE_ADDR}/32`, 'dev', n.siteVeth]);
  await inNs(n.ns, 'ip', ['neigh', 'replace', CORE_ADDR, 'lladdr', n.hostMac, 'dev', n.siteVeth, 'nud', 'permanent']);
  await inNs(n.ns, 'ip', ['link', 'add', n.bridge, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
  await inNs(n.ns, 'ip', ['addr', 'add', `${n.gateway}/24`, 'dev', n.bridge]);
  await inNs(n.ns, 'ip', ['-6', 'addr', 'add', n.lan6, 'dev', n.bridge, 'nodad']);
  await inNs(n.ns, 'ip', ['link', 'set', n.bridge, 'up']);
}

/** 4. Host NAT: CORE:<well-known port> → 127.0.0.1:<target port>; replies/new flows out → CORE. */
async function installHostNat(n: SiteNames, host: string, ports: CorePorts, made: Made): Promise<void> {
  const dn = (proto: string, from: number, to: number | undefined) => (to ? `    iifname "${n.hostVeth}" ip daddr ${CORE_ADDR} ${proto} dport ${from} dnat to ${host}:${to}\n` : '');
  const ruleset =
    `table ip ${n.nftHost} {\n  chain pre {\n    type nat hook prerouting priority dstnat; policy accept;\n` +
    dn('udp', 67, ports.dhcpPort) +
    dn('udp', 69, ports.tftpPort) +
    dn('tcp', 80, ports.httpPort) +
    `    iifname "${n.hostVeth}" ip daddr ${CORE_ADDR} dnat to ${host}\n  }\n` +
    `  chain post {\n    type nat hook postrouting priority srcnat; policy accept;\n    oifname "${n.hostVeth}" snat to ${CORE_ADDR}\n  }\n` +
    // A conntrack zone per run+site: a later run reusing these addresses (same 5-tuple, e.g. the
    // relay's 10.214.i.2:67 → CORE:67) must not hit a stale NAT entry pointing at a dead port.
    `  chain zone_pre {\n    type filter hook prerouting priority raw; policy accept;\n    iifname "${n.hostVeth}" ct zone set ${n.ctZone}\n  }\n` +
    `  chain zone_out {\n    type filter hook output priority raw; policy accept;\n    oifname "${n.hostVeth}" ct zone set ${n.ctZone}\n  }\n}\n`;
  await sh('nft', ['-f', '-'], { input: ruleset });
  made.undo.push({ what: `nft table ${n.nftHost}`, fn: () => trySh('nft', ['delete', 'table', 'ip', n.nftHost]) });
  made.syncUndo.push(() => shSyncQuiet('nft', ['delete', 'table', 'ip', n.nftHost]));
}

/** 5. The site's DHCP relay + RA sender: one dnsmasq in the namespace, no DNS. */
function spawnRelay(n: SiteNames, workDir: string): ChildProcess {
  return spawn(
    'ip',
    [
      'netns', 'exec', n.ns, 'dnsmasq', '--keep-in-foreground', '--conf-file=/dev/null', '--port=0', '--user=root', '--group=root',
      `--pid-file=${join(workDir, 'dnsmasq.pid')}`, '--log-facility=-', '--log-dhcp',
      `--interface=${n.bridge}`, `--interface=${n.siteVeth}`,
      `--dhcp-relay=${n.gateway},${CORE_ADDR}`,
      '--enable-ra', `--dhcp-range=::,constructor:${n.bridge},ra-only,64`, `--ra-param=${n.bridge},5,1800`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
}

/** Resolves once the relay has stayed up briefly; rejects (with its log) when it exits. */
function relayStarted(child: ChildProcess, n: SiteNames): Promise<void> {
  let dnsmasqLog = '';
  child.stderr?.on('data', (d: Buffer) => {
    dnsmasqLog = (dnsmasqLog + d.toString()).slice(-4000);
  });
  return new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, 300); // dnsmasq fails fast on a bad option or a busy port
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new FleetlabError('NETNS', `dnsmasq relay in ${n.ns} exited (${code}): ${dnsmasqLog.trim()}`));
    });
    child.once('error', (e) => {
      clearTimeout(t);
      reject(new FleetlabError('NETNS', `dnsmasq: ${e.message}`));
    });
  });
}

/** The QemuSite handle over the created site. */
function siteHandle(o: QemuSiteOptions, n: SiteNames, engine: QemuLinkEngine, wan: UserspaceWan | undefined, teardown: () => Promise<void>): QemuSite {
  return {
    site: o.site,
    engine,
    wan: wan?.counters ?? null,
    names: n,
    ns: n.ns,
    gateway: n.gateway,
    lanCidr: n.lanCidr,
    coreAddr: CORE_ADDR,
    pool: { start: `${n.lanPrefix}100`, end: `${n.lanPrefix}250`, netmask: '255.255.255.0' },
    async addTap(k) {
      const tap = tapName(k);
      await inNs(n.ns, 'ip', ['tuntap', 'add', 'dev', tap, 'mode', 'tap']);
      await inNs(n.ns, 'ip', ['link', 'set', tap, 'master', n.bridge]);
      await inNs(n.ns, 'ip', ['link', 'set', tap, 'up']);
      return tap;
    },
    async removeTap(tap) {
      await tryInNs(n.ns, 'ip', ['link', 'del', tap]);
    },
    async setLink(p) {
      if (engine === 'kernel') return applyLink(n, p);
      if (!o.frameLink) return { applied: [], unsupported: ['no link model for this site (ideal wire)'] };
      o.frameLink.setProfile(p);
      return { applied: ['userspace link model'], unsupported: [] };
    },
    teardown,
  };
}

/** Wait (1 s polls, 30 min at most) until no host route of site index `n` exists. */
async function waitForFreeRoutes(n: SiteNames, site: string, signal?: AbortSignal, events?: EventSink): Promise<void> {
  const deadline = Date.now() + 1_800_000;
  for (let said = false; ; said = true) {
    const held = [];
    for (const dst of [`${n.wanAddr}/32`, n.lanCidr]) held.push(...((await trySh('ip', ['-4', 'route', 'show', 'exact', dst]))?.stdout.trim().split('\n').filter(Boolean) ?? []));
    if (held.length === 0) return;
    if (!said) events?.emit({ kind: 'log', level: 'info', msg: `qemu site ${site}: another run holds its host routes (${held.join('; ')}); waiting` });
    if (signal?.aborted) throw new FleetlabError('NETNS', `qemu site ${site}: waiting for another run's routes (${held.join('; ')}): aborted`);
    if (Date.now() > deadline) throw new FleetlabError('NETNS', `qemu site ${site}: another run still holds ${held.join('; ')} after 30 min (fleetlab lab gc removes a dead run's)`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** PIDs of processes whose network namespace is `ns`. */
export async function nsPids(ns: string): Promise<number[]> {
  const r = await trySh('ip', ['netns', 'pids', ns]);
  return (r?.stdout ?? '').split(/\s+/).filter(Boolean).map(Number).filter((p) => p > 0);
}

/** Deleting a netns does not kill its processes: reap them by PID first. */
export async function killNsProcesses(ns: string): Promise<number[]> {
  const pids = await nsPids(ns);
  await Promise.all(pids.map((p) => killAndWait(p, 1500)));
  return pids;
}

function killNsProcessesSync(ns: string): void {
  try {
    const out = execSyncText('ip', ['netns', 'pids', ns]);
    for (const p of out.split(/\s+/).filter(Boolean)) shSyncQuiet('kill', ['-9', p]);
  } catch {
    // namespace already gone
  }
}

function execSyncText(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', timeout: 5000 });
}
