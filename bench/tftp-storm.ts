/**
 * TFTP boot storm: `clients` firmware-like clients (each on its own 127.21.20.x address) fetch
 * the same boot file at once from the in-process TFTP server. Prints wall time, transfers/s,
 * aggregate MB/s and CPU seconds (client and server share the process, as in a sim run).
 *
 *   npx tsx bench/tftp-storm.ts [clients=200] [fileKB=1024] [blksize=1468] [windowsize=1]
 */
import { startTftpServer } from '../lab/proto/tftp/tftp-server.ts';
import { tftpGet } from '../lab/proto/tftp/tftp-client.ts';

const clients = Number(process.argv[2] ?? 200);
const fileKB = Number(process.argv[3] ?? 1024);
const blksize = Number(process.argv[4] ?? 1468);
const windowsize = Number(process.argv[5] ?? 1);
const file = Buffer.alloc(fileKB * 1024, 0x5a);

let errors = 0;
const srv = await startTftpServer({ host: '127.21.20.254', port: 0, files: () => file, maxBlksize: blksize, onError: () => errors++ });
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const results = await Promise.allSettled(
  Array.from({ length: clients }, (_, i) =>
    tftpGet({ server: srv.address, file: 'ipxe.efi', blksize, windowsize, localAddress: `127.21.${20 + (i >> 8)}.${(i & 255) + 1}`, timeoutMs: 2000 }),
  ),
);
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const ok = results.filter((r) => r.status === 'fulfilled').length;
const per = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.ms] : [])).sort((a, b) => a - b);
console.log(
  `${clients} clients × ${fileKB} KiB (blksize ${blksize}, window ${windowsize}): ${ok} ok, ${clients - ok} failed, ${errors} server errors; ` +
    `wall ${ms.toFixed(0)} ms, ${((clients * fileKB) / 1024 / (ms / 1000)).toFixed(1)} MiB/s, ` +
    `per-transfer p50 ${per[Math.floor(per.length / 2)]?.toFixed(0)} ms p95 ${per[Math.floor(per.length * 0.95)]?.toFixed(0)} ms; CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s`,
);
await srv.close();
