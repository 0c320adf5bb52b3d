/**
 * The kernel really drops datagrams and udp-drops.ts sees it: a socket with a tiny receive buffer
 * whose process does not read (its event loop is blocked) while another process floods it. The
 * drop shows on this process's own socket (/proc/net/udp) and in the host-wide RcvbufErrors.
 */
import t from 'tap';
import dgram from 'node:dgram';
import { spawn } from 'node:child_process';
import { readUdpDrops, udpDropsSince } from '../../../lab/base/udp-drops.ts';

t.test('an overflowed socket of this process is counted, host-wide and per socket', async (t) => {
  const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 4096 });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  t.teardown(() => sock.close());
  let received = 0;
  sock.on('message', () => received++);
  const before = readUdpDrops();
  t.ok(before.host, '/proc/net/snmp is readable here');
  const port = sock.address().port;
  // The flood comes from another process: this one's loop is about to stop reading.
  const flood = spawn(process.execPath, ['-e', `
    const s = require('node:dgram').createSocket('udp4');
    const b = Buffer.alloc(1000, 7); let n = 0;
    const go = () => { for (let i = 0; i < 100 && n < 3000; i++, n++) s.send(b, ${port}, '127.0.0.1'); if (n < 3000) setImmediate(go); else setTimeout(() => s.close(), 200); };
    setTimeout(go, 300);
  `]);
  const exited = new Promise<void>((r) => flood.on('exit', () => r()));
  // Block this thread (no reads) while the flood arrives; the receive queue holds a few datagrams.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2500);
  await exited;
  const d = udpDropsSince(before);
  t.ok((d.ownSocketDrops ?? 0) > 0, `drops on our own socket: ${d.ownSocketDrops}`);
  t.ok((d.host?.rcvbufErrors ?? 0) >= (d.ownSocketDrops ?? 0), `host-wide RcvbufErrors ${d.host?.rcvbufErrors} include them`);
  await new Promise((r) => setTimeout(r, 100));
  t.ok(received + (d.ownSocketDrops ?? 0) <= 3000, 'received + dropped never exceeds what was sent');
});
