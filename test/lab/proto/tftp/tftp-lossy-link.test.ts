// The TFTP client through the real sim-tier link model (lab/net): loss, latency and jitter
// (which reorders datagrams) must cost time, never bytes.
import t from 'tap';
import { createHash } from 'node:crypto';
import { startTftpServer } from '../../../../lab/proto/tftp/tftp-server.ts';
import { tftpGet } from '../../../../lab/proto/tftp/tftp-client.ts';
import { createSiteLink } from '../../../../lab/net/site-link-model.ts';
import { realClock } from '../../../../lab/base/clock.ts';
import { createRng } from '../../../../lab/base/rng.ts';

const file = Buffer.alloc(1468 * 60 + 99);
for (let i = 0; i < file.length; i++) file[i] = (i * 31 + 7) & 255;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

t.test('5% loss, 10 ms latency, 3 ms jitter: exact bytes with window 1 and window 8', async (t) => {
  const srv = await startTftpServer({ host: '127.21.15.254', port: 0, files: () => file, retransmitMs: 80 });
  t.teardown(() => srv.close());
  for (const windowsize of [1, 8]) {
    const link = createSiteLink(
      'lossy',
      { downBps: 50e6, upBps: 10e6, latencyMs: 10, jitterMs: 3, jitterDistribution: 'uniform', loss: { kind: 'random', rate: 0.05 }, partition: 'none' },
      { clock: realClock(1), rng: createRng(windowsize) },
    );
    const h = createHash('sha256');
    // 80 ms timeouts make loss cost retransmits (what is tested); the retry budget is generous
    // because a loaded host can stall this process past several timeouts in a row.
    const r = await tftpGet({ server: srv.address, file: 'ipxe.efi', windowsize, link, timeoutMs: 80, retries: 30, localAddress: '127.21.15.10', onData: (c) => h.update(c) });
    t.equal(r.bytes, file.length, `window ${windowsize}: byte count`);
    t.equal(h.digest('hex'), sha(file), `window ${windowsize}: content`);
  }
});
