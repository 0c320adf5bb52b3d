/**
 * fleetlab's DHCP load generator beside perfdhcp, against the same single-threaded Kea (Debian
 * kea-dhcp4 2.2, multi-threading off by default), alternating at each rate in one batch:
 *
 *   Kea on 127.0.0.1:<port> ─ for rate in RATES: perfdhcp -r rate -p S ; fleetlab dhcp-load -r rate -p S
 *   clean = fewer than 0.1 % of initiated exchanges incomplete ; ratio = fleetlab's highest clean rate
 *                                                                  / perfdhcp's highest clean rate
 *
 *   npx tsx bench/dhcp-vs-perfdhcp.ts [seconds=5] [rates=2000,4000,6000,8000,10000]
 *
 * Not a test: the figures depend on the machine and its load. Both tools run as separate
 * processes so neither shares an event loop with the other or with Kea.
 */
import { spawn } from 'node:child_process';
import { startKea } from '../harness/targets/kea/kea-process.ts';

const seconds = Number(process.argv[2] ?? 5);
const rates = (process.argv[3] ?? '2000,4000,6000,8000,10000').split(',').map(Number);
const CLIENTS = 20_000;
const CLEAN = 0.001;

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (out += d.toString()));
    c.on('close', () => resolve(out));
  });
}

/** Initiated and completed 4-way exchanges from perfdhcp's text. */
function perfdhcpCounts(out: string): { initiated: number; completed: number; rate: number } {
  const sent = Number(/DISCOVER-OFFER\*\*\*\s*sent packets: (\d+)/.exec(out)?.[1] ?? NaN);
  const acks = Number(/REQUEST-ACK\*\*\*\s*sent packets: \d+\s*received packets: (\d+)/.exec(out)?.[1] ?? NaN);
  const rate = Number(/Rate: ([\d.]+) 4-way/.exec(out)?.[1] ?? NaN);
  return { initiated: sent, completed: acks, rate };
}

const kea = await startKea({
  listenAddress: '127.0.0.1',
  port: 6767,
  logSeverity: 'INFO',
  subnets: [{ name: 'bench', subnet: '127.0.0.0/8', relay: '127.0.0.1', poolStart: '127.100.0.1', poolEnd: '127.101.255.254' }],
  tftpServer: '127.0.0.1',
  biosBootFile: 'undionly.kpxe',
  uefiBootFile: 'ipxe.efi',
  ipxeScriptUrl: 'http://127.0.0.1/boot.ipxe',
  httpBootUrl: 'http://127.0.0.1/ipxe.efi',
});
const vendorClass = Buffer.from('PXEClient:Arch:00000:UNDI:002001').toString('hex');
const best = { perfdhcp: 0, fleetlab: 0 };
console.log(`Kea ${kea.daemon.pid} on 127.0.0.1:6767, ${seconds} s per run, ${CLIENTS} clients`);
console.log('rate      perfdhcp: rate  incomplete     fleetlab: rate  incomplete');
try {
  for (const rate of rates) {
    const p = perfdhcpCounts(
      await run('perfdhcp', ['-4', '-l', '127.0.0.1', '-L', '6868', '-N', '6767', '-r', String(rate), '-R', String(CLIENTS), '-p', String(seconds), '-o', '82,13020000', '-o', `60,${vendorClass}`, '127.0.0.1']),
    );
    const fOut = await run('npx', ['tsx', 'bin/fleetlab.js', 'dhcp-load', '127.0.0.1:6767', '-r', String(rate), '-R', String(CLIENTS), '-p', String(seconds), '-L', '6869', '--json']);
    const f = JSON.parse(fOut.trim().split('\n').pop() ?? '{}') as { rate?: number; dropRatio?: number };
    const pIncomplete = (p.initiated - p.completed) / p.initiated;
    const fIncomplete = f.dropRatio ?? NaN;
    if (pIncomplete < CLEAN) best.perfdhcp = Math.max(best.perfdhcp, rate);
    if (fIncomplete < CLEAN) best.fleetlab = Math.max(best.fleetlab, rate);
    const pct = (x: number) => `${(100 * x).toFixed(3)} %`.padStart(10);
    console.log(`${String(rate).padEnd(8)}  ${p.rate.toFixed(0).padStart(14)}  ${pct(pIncomplete)}  ${(f.rate ?? NaN).toFixed(0).padStart(16)}  ${pct(fIncomplete)}`);
  }
} finally {
  await kea.stop();
}
console.log(`clean rate (< ${CLEAN * 100} % incomplete): perfdhcp ${best.perfdhcp}/s, fleetlab ${best.fleetlab}/s, ratio ${best.perfdhcp ? (best.fleetlab / best.perfdhcp).toFixed(2) : 'n/a'}`);
