/**
 * Targets `dnsmasq` and `kea`: a real DHCP server from Debian in front of fleetlab's reference
 * HTTP side (iPXE scripts per node, boot artifacts, images, install callbacks, REST), the plain
 * PXE stack many sites run. Sim nodes run the generic installer persona; phases come from the
 * installer's callbacks (reference REST) and the event log.
 *
 *   sim firmware ─relay giaddr:67─▶ dnsmasq | kea (real, loopback:67, leases in <run>/<kind>/)
 *        ─TFTP ipxe.efi─▶ dnsmasq's TFTP (dnsmasq) | fleetlab's TFTP (kea, via next-server)
 *        ─iPXE─▶ http://<reference>/boot.ipxe ─▶ kernel + initrd ─▶ installer ─▶ callback ─▶ active
 *
 * --target-opt: dhcpPort (default 67; another port = dnsmasq --dhcp-alternate-port / kea -p,
 *   relays then listen on it), logDhcp (dnsmasq), bootFileBytes, kernelBytes, initrdBytes, bmc.
 */
import { join } from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import type { BootEndpoints, ImageRef, Target, TargetContext, TargetState } from '../target.ts';
import { startReferenceServer, type ReferenceServer, type ReferenceServerOptions } from '../reference/reference-server.ts';
import { ArtifactStore } from '../common/artifacts.ts';
import { genericInstaller } from '../../../lab/nodes/sim/personas/generic-installer.ts';
import { ERRORS, FleetlabError } from '../../../lab/base/errors.ts';
import { startDnsmasq, type DnsmasqProcess } from '../dnsmasq/dnsmasq-process.ts';
import { isNetnsSite } from '../../../lab/config/lab-spec.ts';
import { startKea, type KeaProcess } from '../kea/kea-process.ts';
import type { DhcpLease } from './dhcp-lease.ts';
import { referenceApi, refState } from '../reference/reference-api.ts';
import { qemuBoot } from '../common/qemu-boot.ts';
import { CORE_ADDR } from '../../../lab/net/netns/naming.ts';
import type { Daemon, DaemonOptions } from '../common/daemon.ts';
import { commandVersion, emitVersion } from '../common/server-version.ts';


const OPTIONS = ['dhcpPort', 'logDhcp', 'bootFileBytes', 'kernelBytes', 'initrdBytes', 'bmc'];

export type DhcpDaemonKind = 'dnsmasq' | 'kea';

/** A target with a real DHCP server; `leases()` reads that server's lease file (the test oracle). */
export interface DhcpDaemonTarget extends Target {
  leases(): Promise<DhcpLease[]>;
  readonly leaseFile: string | null;
}

/** Rejects unknown --target-opt keys; returns the reader of the integer options. */
function targetOptions(ctx: TargetContext, kind: DhcpDaemonKind): (k: string, dflt: number, min?: number) => number {
  for (const k of Object.keys(ctx.options)) {
    if (!OPTIONS.includes(k)) throw new FleetlabError('PARAM_INVALID', `--target-opt ${k}: unknown option for target '${kind}' (known: ${OPTIONS.join(', ')})`);
  }
  return (k: string, dflt: number, min = 0) => {
    const v = ctx.options[k];
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new FleetlabError('PARAM_INVALID', `--target-opt ${k}=${v}: expected an integer >= ${min}`);
    return n;
  };
}

interface ServerPlan {
  subnets: { name: string; subnet: string; relay: string; poolStart: string; poolEnd: string }[];
  qemuSites: string[];
  dhcpPort: number;
  bootFileBytes: number;
}

/** Starts dnsmasq or Kea (files in <run>/<kind>/), pointed at the reference server's HTTP/TFTP side. */
async function startDhcpServer(ctx: TargetContext, kind: DhcpDaemonKind, ref: ReferenceServer, p: ServerPlan, launch?: DaemonLauncher): Promise<DnsmasqProcess | KeaProcess> {
  // The server's files live in the run dir (kept after the run: config, lease file).
  const dir = join(ctx.runDir, kind);
  await mkdir(dir, { recursive: true });
  const plan = {
    subnets: p.subnets,
    biosBootFile: 'undionly.kpxe',
    uefiBootFile: 'ipxe.efi',
    ipxeScriptUrl: `${ref.http.url}/boot.ipxe`,
    httpBootUrl: `${ref.http.url}/artifacts/ipxe.efi`,
    port: p.dhcpPort,
    dir,
    signal: ctx.signal,
    ...(p.qemuSites.length ? { qemu: { sites: p.qemuSites, ipxeScriptUrl: `http://${CORE_ADDR}:${ref.http.port}/boot.ipxe` } } : {}),
  };
  if (kind === 'dnsmasq') {
    // Same deterministic content the reference server would serve for these names.
    const store = new ArtifactStore();
    const file = (name: string) => store.content(store.define(name, p.bootFileBytes));
    return startDnsmasq({ ...plan, logDhcp: ctx.options.logDhcp === 'true', tftpFiles: { 'ipxe.efi': file('ipxe.efi'), 'snponly.efi': file('ipxe.efi'), 'undionly.kpxe': file('undionly.kpxe') } });
  } else {
    return startKea({ ...plan, tftpServer: ref.tftp.host, ...(launch ? { launch } : {}) });
  }
}

/** The reference server as the HTTP side (iPXE, artifacts, images, REST); its node states become target.state events. */
async function startHttpSide(ctx: TargetContext, watchers: Set<(node: string, s: TargetState) => void>, options: Omit<ReferenceServerOptions, 'qemu'>): Promise<ReferenceServer> {
  const ref = await startReferenceServer({
    ...options,
    ...(await qemuBoot(ctx.lab)),
  });
  ref.watch((n) => {
    const s = refState(n.state, n.lastError);
    ctx.events.emit({ kind: 'target.state', node: n.id, native: n.state, phase: s.phase });
    for (const w of watchers) w(n.id, s);
  });
  return ref;
}

/** How the daemon process is started: a host process by default; the container target passes its own (Kea only so far). */
export type DaemonLauncher = (o: DaemonOptions) => Promise<Daemon>;

export function dhcpDaemonTarget(ctx: TargetContext, kind: DhcpDaemonKind, launch?: DaemonLauncher): DhcpDaemonTarget {
  const num = targetOptions(ctx, kind);
  const dhcpPort = num('dhcpPort', 67, 1);
  const bootFileBytes = num('bootFileBytes', 70_000, 1);
  let ref: ReferenceServer | null = null;
  let dhcp: DnsmasqProcess | KeaProcess | null = null;
  const watchers = new Set<(node: string, s: TargetState) => void>();

  const srv = () => {
    if (!ref) throw new FleetlabError('TARGET', `${kind} target used before start()`);
    return ref;
  };
  const rest = referenceApi(kind, () => srv().http.url, ctx.signal);

  return {
    name: kind,
    get leaseFile() {
      return dhcp?.leaseFile ?? null;
    },
    async start() {
      const qemuSites = ctx.lab.sites.filter((s) => isNetnsSite(s)).map((s) => s.name);
      if (qemuSites.length && kind === 'kea') throw new FleetlabError('PARAM_INVALID', `target kea: qemu-tier sites (${qemuSites.join(', ')}) are not supported yet (Kea answers a relayed request on the interface it arrived on, and cannot be told about the sites' WAN interfaces that appear after it starts); use --target dnsmasq or reference`);
      const subnets = ctx.lab.sites.map((s) => ({ name: s.name, subnet: s.subnet, relay: s.relay, poolStart: s.poolStart, poolEnd: s.poolEnd }));
      ref = await startHttpSide(ctx, watchers, {
        subnets,
        kernelBytes: num('kernelBytes', 128 * 1024, 1),
        initrdBytes: num('initrdBytes', 256 * 1024, 1),
        bootFileBytes,
      });
      const started = Date.now();
      dhcp = await startDhcpServer(ctx, kind, ref, { subnets, qemuSites, dhcpPort, bootFileBytes }, launch);
      ctx.events.emit({ kind: 'log', level: 'info', msg: `${kind}: serving DHCP on ${dhcp.dhcp.host}:${dhcp.dhcp.port} (pid ${dhcp.daemon.pid}, ${Date.now() - started} ms), lease file ${dhcp.leaseFile}` });
      // A daemon in a container reports its image instead (the container target).
      if (!launch) emitVersion(ctx.events, kind, { [kind]: await commandVersion(kind === 'kea' ? '/usr/sbin/kea-dhcp4' : '/usr/sbin/dnsmasq', [kind === 'kea' ? '-v' : '--version']) });
      const d = dhcp;
      void d.daemon.exited.then((x) => {
        if (dhcp === d) ctx.events.emit({ kind: 'log', level: 'error', code: ERRORS.TARGET.code, msg: `${kind} exited unexpectedly (code ${x.code}, signal ${x.signal}): ${d.daemon.log().slice(-3).join(' | ')}` });
      });
    },
    endpoints(): BootEndpoints {
      const r = srv();
      if (!dhcp) throw new FleetlabError('TARGET', `${kind} target used before start()`);
      return {
        dhcp: dhcp.dhcp,
        relayPort: dhcpPort,
        tftp: kind === 'dnsmasq' ? (dhcp as DnsmasqProcess).tftp : r.tftp,
      };
    },
    ...rest,
    watch(cb) {
      watchers.add(cb);
      return () => watchers.delete(cb);
    },
    image(name: string, bytes: number): ImageRef {
      const img = srv().image(name, Math.round(bytes));
      return { name: img.name, url: img.url, sha256: img.sha256, bytes: img.bytes };
    },
    agent: () => genericInstaller,
    leases: async () => (dhcp ? dhcp.leases() : []),
    async stop() {
      const d = dhcp;
      dhcp = null;
      await d?.stop();
      // The daemon's own log next to its config and lease file: what a failed run is debugged from.
      if (d) await writeFile(join(ctx.runDir, kind, `${kind}.log`), d.daemon.log().join('\n') + '\n').catch(() => undefined);
      await ref?.close();
      ref = null;
    },
    async kill() {
      dhcp?.daemon.kill('SIGKILL');
      await dhcp?.daemon.exited;
    },
    async pause() {
      dhcp?.daemon.kill('SIGSTOP');
    },
    async resume() {
      dhcp?.daemon.kill('SIGCONT');
    },
  };
}
