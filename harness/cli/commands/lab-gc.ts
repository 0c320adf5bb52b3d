/**
 * `fleetlab lab gc`: remove what a killed qemu-tier run left behind (qemu/dnsmasq processes in
 * fleetlab namespaces, nft tables, veths, namespaces), found by the `fl-` name prefix, and the
 * containers of killed container-target runs, found by label (their fleetlab process is gone).
 *
 *   fleetlab lab gc              every fleetlab leftover on this host
 *   fleetlab lab gc --run ID     only run ID's (its 5-char tag; containers labelled with ID)
 *   fleetlab lab gc --dry-run    list, remove nothing
 *   --docker URL                 the container engine (default DOCKER_HOST, else podman's socket)
 *
 * Exit 0 (also when nothing was found). Needs root, like the qemu tier itself.
 */
import type { Command, CliIo } from '../command.ts';
import { parseArgs } from '../parse-args.ts';
import { gcLeftovers, type GcResult } from '../../../lab/net/netns/gc.ts';
import { runPrefixes } from '../../../lab/net/netns/run-owner.ts';
import { NAME_PREFIX } from '../../../lab/net/netns/naming.ts';
import { gcContainers } from '../../targets/container/container-gc.ts';

export const labGcCommand: Command = {
  name: ['lab', 'gc'],
  summary: 'remove leftovers of killed runs (qemu tier: processes, netns, veths, nft tables; container target: containers)',
  usage: 'usage: fleetlab lab gc [--run RUN_ID] [--dry-run] [--docker URL] [--json]',
  async run(argv: string[], io: CliIo): Promise<number> {
    const a = parseArgs(argv, { run: { type: 'string' }, 'dry-run': { type: 'flag' }, json: { type: 'flag' }, docker: { type: 'string' } });
    const prefixes = a.strings.run ? runPrefixes(a.strings.run) : [NAME_PREFIX];
    const prefix = prefixes.join(' ');
    const r: GcResult = { killed: [], netns: [], links: [], nftTables: [] };
    for (const p of prefixes) {
      const one = await gcLeftovers({ prefix: p, dryRun: !!a.flags['dry-run'] });
      for (const k of ['killed', 'netns', 'links', 'nftTables'] as const) (r[k] as unknown[]).push(...one[k]);
    }
    const c = await gcContainers({ ...(a.strings.docker ? { docker: a.strings.docker } : {}), ...(a.strings.run ? { runId: a.strings.run } : {}), dryRun: !!a.flags['dry-run'] });
    if (a.flags.json) {
      io.stdout.write(JSON.stringify({ prefix, dryRun: !!a.flags['dry-run'], ...r, containers: c.containers, ...(c.skipped ? { containersSkipped: c.skipped } : {}) }) + '\n');
      return 0;
    }
    const verb = a.flags['dry-run'] ? 'would remove' : 'removed';
    if (c.containers.length) io.stdout.write(`fleetlab lab gc: ${verb} ${c.containers.length} containers (${c.containers.join(' ')})\n`);
    const total = r.killed.length + r.netns.length + r.links.length + r.nftTables.length;
    if (total === 0 && !c.containers.length) io.stdout.write(`fleetlab lab gc: nothing left under '${prefix}'\n`);
    else
      io.stdout.write(
        `fleetlab lab gc: ${verb} ${r.killed.length} processes${r.killed.length ? ` (${r.killed.join(' ')})` : ''}, ` +
          `${r.nftTables.length} nft tables${r.nftTables.length ? ` (${r.nftTables.join(', ')})` : ''}, ` +
          `${r.links.length} links${r.links.length ? ` (${r.links.join(' ')})` : ''}, ` +
          `${r.netns.length} namespaces${r.netns.length ? ` (${r.netns.join(' ')})` : ''}\n`,
      );
    return 0;
  },
};
