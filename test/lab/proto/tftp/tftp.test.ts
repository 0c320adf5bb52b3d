import t, { type Test } from 'tap';
import dgram from 'node:dgram';
import { createHash } from 'node:crypto';
import { startTftpServer, type TftpServerError, type TftpTransferInfo } from '../../../../lab/proto/tftp/tftp-server.ts';
import { tftpGet } from '../../../../lab/proto/tftp/tftp-client.ts';
import { decodeTftp, encodeTftp } from '../../../../lab/proto/tftp/tftp-packet.ts';
import type { SiteLink } from '../../../../lab/net/site-link.ts';

const HOST = '127.21.3.254';
const CLIENT = '127.21.3.10';

function pattern(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function server(t: Test, files: Record<string, Buffer>, extra: Partial<Parameters<typeof startTftpServer>[0]> = {}) {
  const done: TftpTransferInfo[] = [];
  const errors: TftpServerError[] = [];
  const srv = await startTftpServer({
    host: HOST,
    port: 0,
    files: (name) => files[name] ?? null,
    onTransfer: (x) => done.push(x),
    onError: (e) => errors.push(e),
    ...extra,
  });
  t.teardown(() => srv.close());
  return { srv, done, errors };
}

/** The client resolves once it sent the final ACK; the server reports when that ACK arrives. */
async function until(cond: () => boolean) {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
}

function collect() {
  const chunks: Buffer[] = [];
  return { onData: (c: Buffer) => chunks.push(Buffer.from(c)), bytes: () => Buffer.concat(chunks) };
}

t.test('blksize 1468 + tsize: OACK, exact bytes', async (t) => {
  const file = pattern(1468 * 40 + 123);
  const { srv, done } = await server(t, { 'undionly.kpxe': file });
  const c = collect();
  const r = await tftpGet({ server: srv.address, file: 'undionly.kpxe', blksize: 1468, tsize: true, localAddress: CLIENT, onData: c.onData });
  t.equal(r.bytes, file.length);
  t.equal(r.tsize, file.length);
  t.equal(r.blksize, 1468);
  t.equal(sha(c.bytes()), sha(file));
  await until(() => done.length > 0);
  t.equal(done.length, 1);
  t.match(done[0], { file: 'undionly.kpxe', bytes: file.length, blksize: 1468, remote: { address: CLIENT } });
});

t.test('exact multiple of blksize ends with an empty block; empty file works', async (t) => {
  const file = pattern(1468 * 3);
  const { srv } = await server(t, { a: file, empty: Buffer.alloc(0) });
  const c = collect();
  const r = await tftpGet({ server: srv.address, file: 'a', onData: c.onData });
  t.equal(sha(c.bytes()), sha(file));
  t.equal(r.bytes, file.length);
  const e = await tftpGet({ server: srv.address, file: 'empty' });
  t.equal(e.bytes, 0);
  t.equal(e.tsize, 0);
});

t.test('server caps blksize; plain RFC 1350 request gets 512-byte blocks', async (t) => {
  const file = pattern(5000);
  const { srv } = await server(t, { f: file }, { maxBlksize: 1024 });
  const r = await tftpGet({ server: srv.address, file: 'f', blksize: 8192 });
  t.equal(r.blksize, 1024);
  const c = collect();
  const plain = await tftpGet({ server: srv.address, file: 'f', noOptions: true, onData: c.onData });
  t.equal(plain.blksize, 512);
  t.equal(plain.tsize, undefined);
  t.equal(sha(c.bytes()), sha(file));
});

t.test('windowsize (RFC 7440)', async (t) => {
  const file = pattern(1468 * 100 + 7);
  const { srv, done } = await server(t, { w: file });
  const c = collect();
  const r = await tftpGet({ server: srv.address, file: 'w', windowsize: 8, onData: c.onData });
  t.equal(r.windowsize, 8);
  t.equal(sha(c.bytes()), sha(file));
  await until(() => done.length > 0);
  t.equal(done[0]!.windowsize, 8);
});

/** A SiteLink that drops chosen datagrams (counted per direction) and passes the rest. */
function dropLink(drop: { up?: number[]; down?: number[] }): SiteLink & { seen: { up: number; down: number } } {
  const seen = { up: 0, down: 0 };
  return {
    site: 'test',
    seen,
    udp(dir, _bytes, deliver) {
      const n = ++seen[dir];
      if (!(drop[dir] ?? []).includes(n)) deliver();
    },
    rtt: () => Promise.resolve(),
    take: () => undefined,
    partitioned: false,
  };
}

t.test('retransmission when a DATA or an ACK is dropped', async (t) => {
  const file = pattern(1468 * 10 + 1);
  const { srv } = await server(t, { f: file }, { retransmitMs: 100 });
  // down #3 = DATA block 2 (down #1 is OACK); up #4 = ACK of block 2 (up #1 RRQ, #2 ACK 0).
  for (const drop of [{ down: [3] }, { up: [4] }, { up: [1] }, { down: [1] }]) {
    const link = dropLink(drop);
    const c = collect();
    const r = await tftpGet({ server: srv.address, file: 'f', link, timeoutMs: 100, onData: c.onData });
    t.equal(sha(c.bytes()), sha(file), `bytes intact with drop ${JSON.stringify(drop)}`);
    t.equal(r.bytes, file.length);
    t.ok(link.seen.up + link.seen.down > 25, 'something was retransmitted (a clean run is 13 up + 12 down)');
  }
});

t.test('windowed transfer recovers from a dropped block', async (t) => {
  const file = pattern(1468 * 50 + 3);
  const { srv } = await server(t, { f: file }, { retransmitMs: 100 });
  for (const down of [[5], [9], [2, 30]]) {
    const link = dropLink({ down });
    const c = collect();
    await tftpGet({ server: srv.address, file: 'f', link, windowsize: 8, timeoutMs: 100, onData: c.onData });
    t.equal(sha(c.bytes()), sha(file), `drop down ${down}`);
  }
});

t.test('file not found and timeouts are coded errors', async (t) => {
  const { srv, errors } = await server(t, {});
  await t.rejects(tftpGet({ server: srv.address, file: 'nope.efi' }), { code: 'FLEETLAB_ERR_TFTP_ERROR', message: /server error 1: file not found: nope\.efi/ });
  t.match(errors[0], { code: 'FLEETLAB_ERR_TFTP_ERROR', message: /file not found/ });
  // Nobody listens on this port: RRQ retransmits then times out.
  const dead = dgram.createSocket('udp4');
  await new Promise<void>((r) => dead.bind(0, HOST, r));
  const port = dead.address().port;
  t.teardown(() => dead.close());
  await t.rejects(tftpGet({ server: { host: HOST, port }, file: 'x', timeoutMs: 30, retries: 2 }), { code: 'FLEETLAB_ERR_TFTP_TIMEOUT', message: /no reply to the RRQ after 2 retransmits of 30 ms/ });
  let rrqs = 0;
  dead.on('message', () => rrqs++);
  const t0 = performance.now();
  await t.rejects(tftpGet({ server: { host: HOST, port }, file: 'x', timeoutMs: 10, firstTimeoutMs: 60, retries: 1 }), { message: /after 1 retransmits of 60 ms/ });
  t.ok(performance.now() - t0 >= 110, 'the first-packet timeout applies to the RRQ');
  t.equal(rrqs, 2, 'RRQ sent, then retransmitted once');
});

t.test('abort signal stops the transfer and closes the socket', async (t) => {
  const dead = dgram.createSocket('udp4');
  await new Promise<void>((r) => dead.bind(0, HOST, r));
  t.teardown(() => dead.close());
  const ac = new AbortController();
  const p = tftpGet({ server: { host: HOST, port: dead.address().port }, file: 'x', timeoutMs: 1000, signal: ac.signal });
  setTimeout(() => ac.abort(new Error('power off')), 20);
  await t.rejects(p, { message: 'power off' });
});

t.test('malformed and unexpected packets get ERROR replies, never a crash', async (t) => {
  const { srv, errors } = await server(t, { f: pattern(100) });
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, CLIENT, r));
  t.teardown(() => sock.close());
  const replies: ReturnType<typeof decodeTftp>[] = [];
  sock.on('message', (m) => replies.push(decodeTftp(m)));
  const sendRaw = (b: Buffer) => sock.send(b, srv.address.port, srv.address.host);
  sendRaw(Buffer.from([0, 1, 0x66])); // RRQ with unterminated filename
  sendRaw(Buffer.from([0, 9]));
  sendRaw(encodeTftp({ op: 'WRQ', file: 'f', mode: 'octet', options: new Map() }));
  sendRaw(encodeTftp({ op: 'ACK', block: 3 }));
  sendRaw(Buffer.from([0, 1, 0x66, 0, 0x6f, 0x63, 0x74, 0x65, 0x74, 0, 0x62, 0x6c, 0x6b, 0x73, 0x69, 0x7a, 0x65, 0])); // option without value
  await new Promise((r) => setTimeout(r, 100));
  t.equal(replies.length, 5);
  t.match(replies[0], { op: 'ERROR', code: 4, message: /RRQ: filename not NUL-terminated/ });
  t.match(replies[1], { op: 'ERROR', code: 4, message: /opcode: 9/ });
  t.match(replies[2], { op: 'ERROR', code: 2 });
  t.match(replies[3], { op: 'ERROR', code: 5 });
  t.match(replies[4], { op: 'ERROR', code: 4, message: /option 'blksize' has no value/ });
  t.ok(errors.length >= 5);
  // Still serving.
  const r = await tftpGet({ server: srv.address, file: 'f' });
  t.equal(r.bytes, 100);
});

t.test('codec round trips', async (t) => {
  const rrq = encodeTftp({ op: 'RRQ', file: 'ipxe.efi', mode: 'octet', options: new Map([['tsize', '0'], ['blksize', '1468']]) });
  t.same(decodeTftp(rrq), { op: 'RRQ', file: 'ipxe.efi', mode: 'octet', options: new Map([['tsize', '0'], ['blksize', '1468']]) });
  t.same(decodeTftp(Buffer.from('\x00\x01a\x00OCTET\x00BLKSIZE\x00512\x00', 'latin1')), { op: 'RRQ', file: 'a', mode: 'octet', options: new Map([['blksize', '512']]) }, 'option names and mode are case-insensitive');
  t.same(decodeTftp(encodeTftp({ op: 'ERROR', code: 1, message: 'File not found' })), { op: 'ERROR', code: 1, message: 'File not found' });
  t.same(decodeTftp(encodeTftp({ op: 'OACK', options: new Map([['blksize', '1468']]) })), { op: 'OACK', options: new Map([['blksize', '1468']]) });
  const d = decodeTftp(encodeTftp({ op: 'DATA', block: 65535, data: Buffer.from('xy') }));
  t.match(d, { op: 'DATA', block: 65535 });
  t.throws(() => decodeTftp(Buffer.from([0])), { code: 'FLEETLAB_ERR_TFTP_MALFORMED', message: /no room for the 2-byte opcode/ });
  t.throws(() => decodeTftp(Buffer.from([0, 3, 0])), { message: /DATA: 3 bytes/ });
  t.throws(() => decodeTftp(Buffer.from('\x00\x01\x00octet\x00', 'latin1')), { message: /RRQ: empty filename/ });
  t.throws(() => decodeTftp(Buffer.from('\x00\x01a\x00', 'latin1')), { message: /RRQ: mode missing/ });
  t.throws(() => decodeTftp(Buffer.from('\x00\x06blksize\x00', 'latin1')), { message: /OACK: option 'blksize' has no value/ });
});

t.test('block numbers wrap past 65535 (blksize 8, 66,000 blocks)', async (t) => {
  const file = pattern(8 * 66_000 + 5, 7);
  const { srv, done } = await server(t, { big: file }, { maxBlksize: 8 });
  const c = collect();
  const r = await tftpGet({ server: srv.address, file: 'big', blksize: 8, windowsize: 32, onData: c.onData });
  t.equal(r.blksize, 8);
  t.equal(sha(c.bytes()), sha(file));
  await until(() => done.length > 0);
  t.equal(done[0]!.bytes, file.length);
});

t.test('a boot storm: 40 concurrent clients, async file source, each gets its own TID', async (t) => {
  const file = pattern(1468 * 20 + 11, 3);
  const ports = new Set<number>();
  const { srv, done } = await server(t, {}, {
    files: async (name, remote) => {
      ports.add(remote.port);
      await new Promise((r) => setTimeout(r, 5));
      return name === 'undionly.kpxe' ? file : null;
    },
  });
  const results = await Promise.all(
    Array.from({ length: 40 }, (_, i) => {
      const h = { n: 0, sum: 0 };
      return tftpGet({ server: srv.address, file: 'undionly.kpxe', localAddress: `127.21.6.${i + 1}`, onData: (c) => { h.n += c.length; for (const b of c) h.sum = (h.sum + b) % 65521; } }).then((r) => ({ r, h }));
    }),
  );
  const want = [...file].reduce((a, b) => (a + b) % 65521, 0);
  t.ok(results.every(({ r, h }) => r.bytes === file.length && h.n === file.length && h.sum === want), 'every client got the whole file');
  t.equal(ports.size, 40);
  await until(() => done.length === 40);
  t.equal(new Set(done.map((d) => d.remote.address)).size, 40);
});
