// Real TFTP clients from Debian against our server: curl (sends tsize + blksize, like PXE
// ROMs) and busybox tftp (blksize, RFC 1350 fallback). Both are in the CI package list.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { startTftpServer, type TftpTransferInfo } from '../../../../lab/proto/tftp/tftp-server.ts';

const HOST = '127.21.5.254';

function run(cmd: string, args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (out += d.toString()));
    c.on('error', (e) => resolve({ status: null, out: e.message }));
    c.on('close', (status) => resolve({ status, out }));
  });
}

const file = Buffer.alloc(300_001);
for (let i = 0; i < file.length; i++) file[i] = (i * 7919) & 255;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

t.test('curl and busybox tftp fetch exact bytes', async (t) => {
  const done: TftpTransferInfo[] = [];
  const srv = await startTftpServer({ host: HOST, port: 0, files: (n) => (n === 'ipxe.efi' ? file : null), onTransfer: (x) => done.push(x) });
  t.teardown(() => srv.close());
  const dir = mkdtempSync(join(tmpdir(), 'fleetlab-tftp-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));

  const c = await run('curl', ['-sS', '--tftp-blksize', '1468', '-o', join(dir, 'curl.bin'), `tftp://${HOST}:${srv.address.port}/ipxe.efi`]);
  t.equal(c.status, 0, `curl: ${c.out}`);
  t.equal(sha(readFileSync(join(dir, 'curl.bin'))), sha(file), 'curl got the exact bytes');

  const b = await run('busybox', ['tftp', '-g', '-b', '1468', '-r', 'ipxe.efi', '-l', join(dir, 'bb.bin'), HOST, String(srv.address.port)]);
  t.equal(b.status, 0, `busybox: ${b.out}`);
  t.equal(sha(readFileSync(join(dir, 'bb.bin'))), sha(file), 'busybox tftp got the exact bytes');

  const nf = await run('curl', ['-sS', '-o', join(dir, 'x'), `tftp://${HOST}:${srv.address.port}/missing.efi`]);
  t.equal(nf.status, 68, 'curl exit 68 = CURLE_TFTP_NOTFOUND: it understood our ERROR 1');

  for (let i = 0; i < 100 && done.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
  t.ok(done.length >= 2);
  t.ok(done.every((d) => d.blksize === 1468 && d.bytes === file.length), 'both negotiated blksize 1468');
});
