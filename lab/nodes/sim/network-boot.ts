/**
 * A simulated node's network boot, stage by stage, as a PXE ROM + iPXE (or a UEFI HTTP boot
 * client, or an iPXE NIC ROM) does it:
 *
 *   reachIpxe:     PXE DHCP (via relay) ─▶ boot file over TFTP/HTTP ─▶ iPXE DHCP (user class iPXE)
 *   runBootScript: script URL ─▶ fetch ─▶ iPXE interpreter (dhcp/fetch/sleep through the node)
 *   bootKernel:    kernel boot ─▶ agent persona the target wants ─▶ reboot | halt
 *
 * Each stage is a plain function over the node (SimNodeCore); a failure throws a FleetlabError
 * that the boot manager turns into "try the next device".
 */
import { FleetlabError } from '../../base/errors.ts';
import { sample } from '../../config/distribution.ts';
import type { DhcpLease } from '../../proto/dhcp/dhcp-client.ts';
import type { PxeFirmware } from '../../proto/dhcp/dhcp-packet.ts';
import { runIpxeScript, type IpxeHost, type IpxeOutcome } from '../../proto/ipxe/ipxe-interpreter.ts';
import { agentContext } from './agent-context.ts';
import type { AgentOutcome } from './agent-persona.ts';
import { firmwareDhcp, firmwareFetch, firmwareTftp } from './firmware-io.ts';
import type { BootResult, SimNodeCore } from './sim-node-core.ts';

const isHttpUrl = (s: string) => /^https?:\/\//.test(s);

export async function networkBoot(node: SimNodeCore, signal: AbortSignal, httpBoot: boolean): Promise<BootResult> {
  const fw: PxeFirmware = httpBoot ? 'uefi-http' : node.firmware;
  const lease = await reachIpxe(node, fw, httpBoot, signal);
  node.ip = lease.ip;
  const { outcome, scriptUrl } = await runBootScript(node, lease, fw, signal);
  switch (outcome.kind) {
    case 'failed':
      throw new FleetlabError('IPXE_SCRIPT', `${scriptUrl}: ${outcome.message}`);
    case 'exit':
      if (outcome.reason === 'reboot') return 'reboot';
      if (outcome.reason === 'poweroff') {
        node.powerOff('ipxe');
        return 'halt';
      }
      // `exit` hands control back to the firmware: next boot device (usually the disk).
      return 'next';
    case 'sanboot':
      return node.bootDevice('hdd', signal);
    case 'boot':
      return bootKernel(node, outcome.kernel.args, signal);
  }
}

/** Firmware stages up to iPXE's own DHCP; returns the lease that names the boot script. */
async function reachIpxe(node: SimNodeCore, fw: PxeFirmware, httpBoot: boolean, signal: AbortSignal): Promise<DhcpLease> {
  if (node.init.profile.nicRom === 'ipxe' && !httpBoot) {
    // The NIC ROM is iPXE itself: its first DHCP already says iPXE, so the script comes next.
    node.enter('dhcp', signal);
    return firmwareDhcp(node, 'ipxe', fw, signal);
  }
  // 1. PXE ROM (or UEFI HTTP boot client) DHCP through the site relay.
  node.enter('dhcp', signal);
  const lease = await firmwareDhcp(node, 'pxe', fw, signal);
  node.ip = lease.ip;
  if (!lease.bootFile) throw new FleetlabError('BOOT_NO_DEVICE', 'DHCP answer carries no boot file (PXE-E53)');
  // 2. Boot file: TFTP (PXE) or HTTP (UEFI HTTP boot).
  node.enter('tftp', signal);
  if (isHttpUrl(lease.bootFile)) await firmwareFetch(node, lease.bootFile, signal);
  else await firmwareTftp(node, { host: lease.nextServer || '127.0.0.1', port: node.init.env.tftpPort }, lease.bootFile, signal);
  // 3. iPXE runs: its own DHCP (user class iPXE) gets the script URL.
  node.enter('ipxe-dhcp', signal);
  return firmwareDhcp(node, 'ipxe', fw, signal);
}

/** Fetch the script the lease names and run it in the iPXE interpreter. */
async function runBootScript(node: SimNodeCore, lease: DhcpLease, fw: PxeFirmware, signal: AbortSignal): Promise<{ outcome: IpxeOutcome; scriptUrl: string }> {
  node.enter('script', signal);
  const scriptUrl = isHttpUrl(lease.bootFile) ? lease.bootFile : `tftp://${lease.nextServer}/${lease.bootFile}`;
  const first = await firmwareFetch(node, scriptUrl, signal, true);
  if (first.status !== 200) throw new FleetlabError('HTTP_FETCH', `${scriptUrl}: HTTP ${first.status}`);
  const outcome = await runIpxeScript(first.body.toString('latin1'), ipxeHost(node, lease, fw, signal), { baseUrl: scriptUrl });
  signal.throwIfAborted();
  return { outcome, scriptUrl };
}

/** What the interpreter may do on this node: DHCP again, fetch (the first binary = kernel phase), sleep. */
function ipxeHost(node: SimNodeCore, lease: DhcpLease, fw: PxeFirmware, signal: AbortSignal): IpxeHost {
  let kernelEntered = false;
  const host: IpxeHost = {
    vars: ipxeVars(node, lease),
    dhcp: async () => {
      const l = await firmwareDhcp(node, 'ipxe', fw, signal);
      node.ip = l.ip;
      host.vars.set('ip', l.ip);
      host.vars.set('net0/ip', l.ip);
      return true;
    },
    fetch: async (url) => {
      const r = await firmwareFetch(node, url, signal, true, () => {
        if (!kernelEntered) {
          kernelEntered = true;
          node.enter('kernel', signal);
        }
      });
      return { status: r.status, body: r.body };
    },
    sleep: (ms) => node.sleep(ms, signal),
    echo: () => {},
    error: (code, message) => node.emit({ kind: 'node.error', node: node.init.name, code, message }),
  };
  return host;
}

function ipxeVars(node: SimNodeCore, lease: DhcpLease): Map<string, string> {
  const n = node.init;
  const mac = n.macs[0]!;
  return new Map([
    ['mac', mac],
    ['net0/mac', mac],
    ['ip', lease.ip],
    ['net0/ip', lease.ip],
    ['uuid', n.uuid],
    ['hostname', n.name],
    ['serial', n.serial],
    ['manufacturer', n.profile.vendor],
    ['product', n.profile.model],
    ['buildarch', 'x86_64'],
    ['platform', node.firmware === 'bios' ? 'pcbios' : 'efi'],
    ['next-server', lease.nextServer],
    ['filename', lease.bootFile],
  ]);
}

/** Kernel boot, then the persona the target wants; its outcome is the boot's. */
async function bootKernel(node: SimNodeCore, cmdline: string, signal: AbortSignal): Promise<'reboot' | 'halt'> {
  const n = node.init;
  node.enter('boot', signal);
  node.emit({ kind: 'boot.kernel', node: n.name, cmdline });
  await node.sleep(sample(n.profile.timings.kernelBootMs, node.rng), signal);
  node.enter('agent', signal);
  const persona = n.env.persona(n.name);
  node.emit({ kind: 'agent.start', node: n.name, persona: persona.name });
  const result: AgentOutcome = await persona.run(agentContext(node, cmdline, signal));
  signal.throwIfAborted();
  switch (result.kind) {
    case 'reboot':
      return 'reboot';
    case 'poweroff':
      return 'halt';
    case 'failed':
      throw new FleetlabError('AGENT', `${persona.name}: ${result.code}: ${result.message}`);
  }
}
