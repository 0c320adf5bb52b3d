/**
 * `fleetlab doctor`: checks this host for what each tier and target needs (root, Debian
 * packages, ports 67/623, network namespaces, TUN, qemu accelerator, a container engine) and says
 * how to fix each missing piece. It only looks; nothing on the host changes.
 *
 * Exit 0 when the capabilities asked for with `--for` (default: the main job, `sim`) are
 * available, 1 when one is not, 2 on bad input. Every capability is listed either way, so a
 * non-root user sees which ones need root.
 */
import type { Command } from '../command.ts';
import { parseArgs } from '../parse-args.ts';
import { FleetlabError } from '../../../lab/base/errors.ts';
import { CAPABILITIES, HOST_CHECKS } from '../doctor/capabilities.ts';
import type { CheckResult } from '../doctor/host-checks.ts';

interface CapabilityReport {
  name: string;
  summary: string;
  available: boolean;
  failed: CheckResult[];
}

function parseFor(raw: string | undefined): string[] {
  if (raw === undefined) return ['sim'];
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.includes('all')) return CAPABILITIES.map((c) => c.name);
  const unknown = names.filter((n) => !CAPABILITIES.some((c) => c.name === n));
  if (unknown.length || names.length === 0) {
    throw new FleetlabError('USAGE', `--for ${raw}: unknown capability ${unknown.map((u) => `'${u}'`).join(', ') || '(none given)'} (known: ${CAPABILITIES.map((c) => c.name).join(', ')}, all)`);
  }
  return names;
}

async function runChecks(): Promise<Map<string, CheckResult>> {
  const ids = [...new Set(CAPABILITIES.flatMap((c) => c.checks))];
  // One at a time: probes spawn tools and bind ports; sequential output is easier to trust.
  const results = new Map<string, CheckResult>();
  for (const id of ids) results.set(id, await HOST_CHECKS[id]!());
  return results;
}

function render(reports: CapabilityReport[], results: Map<string, CheckResult>, required: string[]): string {
  const lines = ['capabilities:'];
  const w = Math.max(...reports.map((r) => r.name.length));
  for (const r of reports) {
    const mark = r.available ? 'ok     ' : 'MISSING';
    lines.push(`  ${mark}  ${r.name.padEnd(w)}  ${r.summary}${required.includes(r.name) ? '  [required]' : ''}`);
    for (const f of r.failed) lines.push(`             ${f.id}: ${f.detail}${f.fix ? ` — fix: ${f.fix}` : ''}`);
  }
  lines.push('', 'checks:');
  for (const r of results.values()) lines.push(`  ${r.ok ? 'ok  ' : 'FAIL'}  ${r.id}: ${r.detail}`);
  return lines.join('\n') + '\n';
}

export const doctorCommand: Command = {
  name: ['doctor'],
  summary: 'check this host for what each tier and target needs, and how to fix what is missing',
  usage: `usage: fleetlab doctor [--for CAP,…|all] [--json]

  Checks root, Debian packages, ports 67/623, network namespaces, TUN, the qemu accelerator and
  a container engine, grouped by capability: ${CAPABILITIES.map((c) => c.name).join(', ')}.
  --for CAP,…  capabilities that must be available (default: sim); exit 1 when one is not
  --json       one JSON object {capabilities: [{name, available, failed}], checks: [...]}`,
  async run(argv, io) {
    const a = parseArgs(argv, { for: { type: 'string' }, json: { type: 'flag' } });
    if (a.positionals.length) throw new FleetlabError('USAGE', `unexpected argument '${a.positionals[0]!}'`);
    const required = parseFor(a.strings.for);
    const results = await runChecks();
    const reports: CapabilityReport[] = CAPABILITIES.map((c) => {
      const failed = c.checks.map((id) => results.get(id)!).filter((r) => !r.ok);
      return { name: c.name, summary: c.summary, available: failed.length === 0, failed };
    });
    const ok = reports.filter((r) => required.includes(r.name)).every((r) => r.available);
    if (a.flags.json) io.stdout.write(JSON.stringify({ ok, required, capabilities: reports, checks: [...results.values()] }) + '\n');
    else io.stdout.write(render(reports, results, required));
    return ok ? 0 : 1;
  },
};
