/**
 * `fleetlab dhcp-load SERVER[:PORT]`: drive a real DHCPv4 server with simulated relayed clients at a
 * target rate and print the figures in perfdhcp's layout and terms (same option letters), so a
 * run can be put side by side with `perfdhcp` against the same server (bench/dhcp-vs-perfdhcp.ts).
 */
import type { Command } from '../command.ts';
import { parseArgs } from '../parse-args.ts';
import { FleetlabError } from '../../../lab/base/errors.ts';
import { runDhcpLoad, type DhcpLoadResult, type ExchangeStats } from '../../../lab/proto/dhcp/dhcp-load.ts';

const options = {
  rate: { type: 'string', alias: 'r' },
  clients: { type: 'string', alias: 'R' },
  exchanges: { type: 'string', alias: 'n' },
  period: { type: 'string', alias: 'p' },
  local: { type: 'string', alias: 'l' },
  'local-port': { type: 'string', alias: 'L' },
  'drop-time': { type: 'string', alias: 'd' },
  'exit-wait': { type: 'string', alias: 'W' },
  json: { type: 'flag' },
} as const;

function num(v: string | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new FleetlabError('USAGE', `--${name} '${v}': expected a number from ${min} to ${max}`);
  return n;
}

function serverOf(s: string | undefined): { host: string; port: number } {
  if (s === undefined) throw new FleetlabError('USAGE', 'expected the DHCP server address (HOST or HOST:PORT)');
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(s);
  const port = m?.[2] === undefined ? 67 : Number(m[2]);
  if (!m || port < 1 || port > 65535 || m[1]!.split('.').some((o) => Number(o) > 255)) throw new FleetlabError('USAGE', `server '${s}': expected an IPv4 address with an optional :port`);
  return { host: m[1]!, port };
}

const f3 = (n: number) => (Number.isFinite(n) ? n.toFixed(3) : 'n/a');

function block(name: string, s: ExchangeStats): string {
  const ratio = s.sent === 0 ? 0 : (100 * s.drops) / s.sent;
  return [
    `***Statistics for: ${name}***`,
    `sent packets: ${s.sent}`,
    `received packets: ${s.received}`,
    `drops: ${s.drops}`,
    `drops ratio: ${ratio.toFixed(3)} %`,
    `late received packets: ${s.late}`,
    `min delay: ${f3(s.minMs)} ms`,
    `avg delay: ${f3(s.avgMs)} ms`,
    `max delay: ${f3(s.maxMs)} ms`,
    `std deviation: ${f3(s.sdMs)} ms`,
    `p99 delay: ${f3(s.p99Ms)} ms`,
    '',
  ].join('\n');
}

export function dhcpLoadText(r: DhcpLoadResult): string {
  return [
    '***Rate statistics***',
    `Rate: ${r.rate.toFixed(1)} 4-way exchanges/second, expected rate: ${r.expectedRate}`,
    '',
    block('DISCOVER-OFFER', r.discoverOffer),
    block('REQUEST-ACK', r.requestAck),
    `NAKs: ${r.naks}, orphans: ${r.orphans}, exchanges not completed: ${(100 * r.dropRatio).toFixed(3)} %`,
    '',
  ].join('\n');
}

export const dhcpLoadCommand: Command = {
  name: ['dhcp-load'],
  summary: 'DHCPv4 load generator in perfdhcp terms (relayed clients at a target rate)',
  usage: `usage: fleetlab dhcp-load SERVER[:PORT] -r RATE (-n EXCHANGES | -p SECONDS) [-R CLIENTS]
                          [-l LOCAL-ADDR] [-L LOCAL-PORT] [-d DROP-S] [-W WAIT-US] [--json]
  Same letters as perfdhcp: -r exchanges initiated per second, -R distinct clients (MACs reused
  round-robin), -n exchanges to initiate or -p test period in seconds, -l relay address (giaddr,
  default 127.0.0.1; must be local), -L local port (default any: replies come back to it through
  the RFC 8357 relay-port sub-option), -d drop time in seconds (default 1), -W wait after the last
  DISCOVER in microseconds (default 1000000).
exit: 0 every exchange completed, 3 some were dropped (as perfdhcp), 2 bad input`,
  async run(argv, io) {
    const a = parseArgs(argv, options);
    if (a.positionals.length > 1) throw new FleetlabError('USAGE', `unexpected argument '${a.positionals[1]}'`);
    const server = serverOf(a.positionals[0]);
    const rate = num(a.strings.rate, 'rate', 0.001, 10_000_000);
    if (rate === undefined) throw new FleetlabError('USAGE', 'give the rate with -r RATE (exchanges per second)');
    const dropS = num(a.strings['drop-time'], 'drop-time', 0.001, 3600);
    const waitUs = num(a.strings['exit-wait'], 'exit-wait', 0, 3.6e9);
    const r = await runDhcpLoad({
      server,
      rate,
      clients: num(a.strings.clients, 'clients', 1, 1 << 24),
      exchanges: num(a.strings.exchanges, 'exchanges', 1, 2 ** 31),
      periodS: num(a.strings.period, 'period', 0.001, 86_400),
      localAddress: a.strings.local ?? '127.0.0.1',
      localPort: num(a.strings['local-port'], 'local-port', 0, 65535),
      dropTimeMs: dropS === undefined ? undefined : dropS * 1000,
      exitWaitMs: waitUs === undefined ? undefined : waitUs / 1000,
      signal: io.signal,
    });
    io.stdout.write(a.flags.json === true ? JSON.stringify(r) + '\n' : dhcpLoadText(r));
    return r.discoverOffer.drops + r.requestAck.drops > 0 ? 3 : 0;
  },
};
