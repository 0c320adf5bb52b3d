/**
 * `fleetlab bmc serve`: standalone BMC emulators (drop-in for sushy-tools' fake driver).
 *
 *   FakeMachine × N ────────────┐
 *   QmpMachine per --qmp socket ┴▶ BmcSystem[] ──▶ Redfish server ─┬─▶ one JSON line on stdout when ready,
 *                                              └─▶ IPMI (--ipmi) ──┘   then wait for SIGINT/SIGTERM, close, exit 0
 *
 * `--qmp` fronts qemu VMs someone else started (the hardware tier's stand-in machines): power and
 * boot override reach the VM over QMP (lab/nodes/qemu/qmp-machine.ts); the VMs keep running when
 * this process exits.
 *
 * The ready line's shape is a contract scripts depend on:
 *   {"redfish": {"url": "http://127.0.0.1:PORT", "systems": ["fake-0", ...]}, "username": "...", "password": "..."}
 */
import type { Command, CliIo } from '../command.ts';
import { intOption, parseArgs } from '../parse-args.ts';
import { FleetlabError } from '../../../lab/base/errors.ts';
import type { BmcSystem } from '../../../lab/bmc/bmc-system.ts';
import { FakeMachine, fakeInventory, fakeSystemId } from '../../../lab/nodes/fake/fake-machine.ts';
import { startRedfishServer } from '../../../lab/bmc/redfish/redfish-server.ts';
import { PERSONA_NAMES, personaByName } from '../../../lab/bmc/redfish/personas/persona-registry.ts';
import { startIpmiServer } from '../../../lab/bmc/ipmi/ipmi-server.ts';
import { QmpMachine } from '../../../lab/nodes/qemu/qmp-machine.ts';

export const bmcServeOptions = {
  systems: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  tls: { type: 'flag' },
  user: { type: 'string' },
  password: { type: 'string' },
  ipmi: { type: 'flag' },
  'ipmi-base-address': { type: 'string' },
  persona: { type: 'string' },
  qmp: { type: 'string' },
} as const;

/** A started protocol server: what it adds to the ready line and how to stop it. */
interface Served {
  ready: Record<string, unknown>;
  close(): Promise<void>;
}

export const bmcServe: Command = {
  name: ['bmc', 'serve'],
  summary: 'serve emulated BMCs (Redfish, IPMI) for fake machines or existing qemu VMs (--qmp) until SIGINT/SIGTERM',
  usage:
    'usage: fleetlab bmc serve [--systems N | --qmp [ID=]SOCKET,…] [--port P] [--host H] [--tls] [--user U --password P] [--persona NAME]\n' +
    '  --systems N   number of fake systems, ids fake-0..fake-(N-1) (default 1)\n' +
    '  --port P      Redfish port (default 0 = any free port)\n' +
    '  --host H      listen address (default 127.0.0.1)\n' +
    '  --tls         HTTPS with a self-signed certificate\n' +
    '  --user U --password P   BMC credentials (default admin / password)\n' +
    `  --persona NAME   Redfish behaviour of a real BMC family: ${PERSONA_NAMES.join(', ')} (default generic)\n` +
    '  --qmp [ID=]SOCKET[,…]   front existing qemu VMs by their QMP sockets instead of fake systems (ids qmp-0… unless given;\n' +
    '                the VMs need fleetlab\'s device ids vdisk/vnet/vcd for boot overrides, see lab/nodes/qemu/qemu-args.ts)\n' +
    '  --ipmi        also serve IPMI over LAN (RMCP+) for the same systems, each on 127.0.0.1:<own port>\n' +
    '  --ipmi-base-address A   with --ipmi: system i listens on address A+i, port 623 (e.g. 127.31.0.1)\n' +
    'prints one JSON line when ready: {"redfish": {"url", "systems"}, "ipmi"?: [{"system", "host", "port"}], "username", "password"}',
  async run(argv: string[], io: CliIo): Promise<number> {
    const a = parseArgs(argv, bmcServeOptions);
    if (a.positionals.length > 0) throw new FleetlabError('USAGE', `unexpected argument '${a.positionals[0]}'`);
    const qmpSpec = a.strings.qmp;
    if (qmpSpec !== undefined && a.strings.systems !== undefined) throw new FleetlabError('USAGE', '--qmp and --systems exclude each other (the VMs are the systems)');
    const port = intOption(a.strings.port, 'port', 0, 0, 65535);
    const host = a.strings.host ?? '127.0.0.1';
    const username = a.strings.user ?? 'admin';
    const password = a.strings.password ?? 'password';
    const persona = personaByName(a.strings.persona ?? 'generic').name;

    const ipmiBase = a.strings['ipmi-base-address'];
    if (ipmiBase !== undefined && a.flags.ipmi !== true) throw new FleetlabError('USAGE', '--ipmi-base-address needs --ipmi');
    const qmpItems = qmpSpec === undefined ? null : parseQmpSpec(qmpSpec);
    const n = qmpItems ? qmpItems.length : intOption(a.strings.systems, 'systems', 1, 0, 100_000);
    const base = a.flags.ipmi === true && ipmiBase !== undefined ? ipv4ToInt(ipmiBase) : undefined;
    if (base !== undefined && base + n - 1 > 0xffffffff) throw new FleetlabError('USAGE', `--ipmi-base-address ${ipmiBase}: ${n} addresses overflow IPv4`);

    const qmps: QmpMachine[] = [];
    const served: Served[] = [];
    const closeAll = async () => {
      for (const s of served.reverse()) await s.close();
      for (const m of qmps) m.close();
    };
    try {
      const machines = qmpItems ? await qmpMachines(qmpItems, qmps, io) : Array.from({ length: n }, (_, i) => new FakeMachine(fakeSystemId(i), fakeInventory(i)));
      const systems: BmcSystem[] = machines.map((machine) => ({ id: machine.id, machine, credentials: { username, password } }));
      if (a.flags.ipmi === true) systems.forEach((s, i) => (s.ipmi = base === undefined ? { host: '127.0.0.1', port: 0 } : { host: intToIpv4(base + i), port: 623 }));
      const rf = await startRedfishServer({ systems, host, port, tls: a.flags.tls === true, persona });
      served.push({ ready: { redfish: { url: rf.url, systems: systems.map((s) => s.id) } }, close: () => rf.close() });
      if (a.flags.ipmi === true) {
        const ipmi = await startIpmiServer({ systems });
        served.push({ ready: { ipmi: ipmi.addresses }, close: () => ipmi.close() });
      }

      const ready: Record<string, unknown> = {};
      for (const s of served) Object.assign(ready, s.ready);
      Object.assign(ready, { username, password });
      io.stdout.write(JSON.stringify(ready) + '\n');

      await new Promise<void>((resolve) => {
        if (io.signal.aborted) resolve();
        else io.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      await closeAll();
    }
    return 0;
  },
};

/** `[ID=]SOCKET[,…]` → ids (default qmp-<i>) and socket paths; a bad or repeated id is a usage error. */
function parseQmpSpec(spec: string): { id: string; path: string }[] {
  const items = spec.split(',').filter(Boolean);
  if (!items.length) throw new FleetlabError('USAGE', `--qmp '${spec}': expected [ID=]SOCKET[,[ID=]SOCKET…]`);
  const ids = new Set<string>();
  return items.map((item, i) => {
    const eq = item.indexOf('=');
    const id = eq > 0 ? item.slice(0, eq) : `qmp-${i}`;
    const path = eq > 0 ? item.slice(eq + 1) : item;
    if (!/^[A-Za-z0-9._-]+$/.test(id) || ids.has(id)) throw new FleetlabError('USAGE', `--qmp item ${i + 1} '${item}': system id '${id}' must be unique and of [A-Za-z0-9._-]`);
    ids.add(id);
    return { id, path };
  });
}

/** One connected QmpMachine per item; `opened` collects them so the caller closes them, also on failure. */
async function qmpMachines(items: { id: string; path: string }[], opened: QmpMachine[], io: CliIo): Promise<QmpMachine[]> {
  const onError = (e: Error) => io.stderr.write(`fleetlab bmc serve: ${e.message}\n`);
  for (const [i, { id, path }] of items.entries()) {
    const m = await QmpMachine.connect(id, path, { index: i, onError }).catch((e: Error) => {
      throw new FleetlabError('QEMU', `--qmp ${path}: ${e.message}`);
    });
    opened.push(m);
  }
  return opened;
}

function ipv4ToInt(v: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v);
  const parts = m ? m.slice(1).map(Number) : [];
  if (parts.length !== 4 || parts.some((x) => x > 255)) throw new FleetlabError('USAGE', `--ipmi-base-address '${v}': expected an IPv4 address like 127.31.0.1`);
  return parts.reduce((acc, x) => acc * 256 + x, 0);
}

function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
