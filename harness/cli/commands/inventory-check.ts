/**
 * `fleetlab inventory check FILE [--json] [--only NAME,…]`: validate a hardware inventory, then
 * probe every machine's BMC read-only, so a user knows before a run which machines fleetlab can
 * reach and drive.
 *
 *   FILE ─▶ validate (every problem with its path; exit 2) ─▶ --only filter
 *        ─▶ probeMachine × N (8 in flight; GETs and status reads only) ─▶ one line per machine | one JSON object
 *
 * Exit 0: every probed machine reachable with good credentials; 1: any probe failed; 2: bad input.
 * Credentials are resolved per machine when its clients are built and never printed.
 */
import type { Command, CliIo } from '../command.ts';
import { parseArgs } from '../parse-args.ts';
import { ERRORS, FleetlabError, isFleetlabError } from '../../../lab/base/errors.ts';
import type { Problem } from '../../../lab/base/problem.ts';
import type { InventoryMachine } from '../../../lab/config/inventory/inventory-schema.ts';
import { readInventoryFile, validateInventory } from '../../../lab/config/inventory/load-inventory.ts';
import type { ProbeResult } from '../../../lab/clients/bmc-probe.ts';
import { probeMachine } from '../../../lab/clients/bmc-probe.ts';

const IN_FLIGHT = 8;

const options = { json: { type: 'flag' }, only: { type: 'string' } } as const;

/** The machines `--only a,b` names; a name not in the inventory is a usage error. */
function selected(machines: InventoryMachine[], only: string | undefined): InventoryMachine[] {
  if (only === undefined) return machines;
  const want = only.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const known = new Set(machines.map((m) => m.name));
  const unknown = want.filter((w) => !known.has(w));
  if (want.length === 0 || unknown.length > 0)
    throw new FleetlabError('USAGE', `--only '${only}': ${want.length === 0 ? 'no machine named' : `no machine ${unknown.join(', ')} in the inventory`} (known: ${[...known].join(', ')})`);
  return machines.filter((m) => want.includes(m.name));
}

async function probeAll(machines: InventoryMachine[]): Promise<ProbeResult[]> {
  const out: ProbeResult[] = new Array<ProbeResult>(machines.length);
  let next = 0;
  const worker = async () => {
    // A check is a quick look: few retries, short timeouts, so a dead BMC costs seconds, not minutes.
    for (let i = next++; i < machines.length; i = next++) out[i] = await probeMachine(machines[i]!, { redfish: { timeoutMs: 5000, retry: { retries: 1 } }, ipmi: { retries: 1, timeoutSec: 2 } });
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, machines.length) }, worker));
  return out;
}

function writeProblems(io: CliIo, file: string, errors: Problem[], warnings: Problem[]): void {
  for (const p of errors) io.stderr.write(`${file}: error: ${p.path}: ${p.message}\n`);
  for (const p of warnings) io.stderr.write(`${file}: warning: ${p.path}: ${p.message}\n`);
}

export const inventoryCheckCommand: Command = {
  name: ['inventory', 'check'],
  summary: 'validate a hardware inventory and probe every BMC read-only (reachable, credentials, power, boot override support)',
  usage:
    'usage: fleetlab inventory check FILE [--json] [--only NAME,…]\n' +
    '  FILE         inventory (.json, or a .ts/.js module default-exporting the object)\n' +
    '  --only N,…   probe only these machines\n' +
    '  --json       one JSON object on stdout: {file, status, problems, warnings, machines: [...]}\n' +
    'Read-only: Redfish GETs (plus the session login/logout the machine\'s authType needs) and ipmitool\n' +
    '`chassis power status`, `chassis bootparam get 5`, `mc info`, `channel getciphers`. No PATCH, no\n' +
    'action POST, no power, boot or chassis-control command is ever sent. Credentials are never printed.\n' +
    'exit 0: every machine reachable with good credentials; 1: a probe failed; 2: bad input (every problem listed)',
  async run(argv: string[], io: CliIo): Promise<number> {
    const a = parseArgs(argv, options);
    if (a.positionals.length !== 1) throw new FleetlabError('USAGE', `expected one inventory FILE, got ${a.positionals.length}\n${this.usage}`);
    const file = a.positionals[0]!;
    const json = a.flags.json === true;
    let raw: unknown;
    try {
      raw = await readInventoryFile(file);
    } catch (e) {
      if (!json || !isFleetlabError(e)) throw e;
      io.stdout.write(JSON.stringify({ file, status: 'invalid', problems: [{ path: file, message: e.message }], warnings: [], machines: [] }) + '\n');
      return 2;
    }
    const v = validateInventory(raw);
    if (!v.inventory) {
      if (json) io.stdout.write(JSON.stringify({ file, status: 'invalid', problems: v.errors, warnings: v.warnings, machines: [] }) + '\n');
      else {
        writeProblems(io, file, v.errors, v.warnings);
        io.stderr.write(`fleetlab: ${ERRORS.INVENTORY_INVALID.code}: ${file}: ${v.errors.length} problem(s)\n`);
      }
      return 2;
    }
    const machines = selected(v.inventory.machines, a.strings.only);
    if (!json) writeProblems(io, file, [], v.warnings);
    // SIGINT/SIGTERM: stop waiting; probes in flight are bounded by their timeouts and close their
    // own clients, and the ipmitool children are killed when the process exits.
    const aborted = new Promise<'aborted'>((r) => (io.signal.aborted ? r('aborted') : io.signal.addEventListener('abort', () => r('aborted'), { once: true })));
    const results = await Promise.race([probeAll(machines), aborted]);
    if (results === 'aborted') {
      io.stderr.write(`inventory check interrupted (${io.abortReason() ?? 'signal'}): no verdicts\n`);
      return io.abortReason() === 'SIGTERM' ? 143 : 130;
    }
    const failed = results.filter((r) => r.verdict === 'failed').length;
    if (json) io.stdout.write(JSON.stringify({ file, status: failed ? 'failed' : 'ok', problems: [], warnings: v.warnings, machines: results }) + '\n');
    else {
      const width = Math.max(...results.map((r) => r.machine.length));
      for (const r of results) io.stdout.write(`${r.verdict === 'ok' ? 'ok    ' : 'FAILED'} ${r.machine.padEnd(width)}  ${r.reasons.join('; ')}\n`);
      io.stdout.write(`${results.length - failed}/${results.length} machine(s) ok\n`);
    }
    return failed ? 1 : 0;
  },
};
