/**
 * Firmware-like TFTP read (what a PXE ROM does to fetch undionly.kpxe / ipxe.efi).
 *
 *   RRQ file octet [tsize 0] [blksize N] [windowsize W] ──▶ server:port
 *   ◀── OACK (from the server's transfer TID) ── ACK 0 ──▶ ◀── DATA 1..W ── ACK W ──▶ … short block = end
 *   ◀── DATA 1 (server ignored the options: blksize 512, window 1) ── ACK 1 ──▶ …
 *   ◀── ERROR 8 (options refused) ── plain RRQ again without options
 *
 * Retransmits its last packet (RRQ or ACK) after `timeoutMs` without progress, `retries` times,
 * then fails with TFTP_TIMEOUT. The file's bytes go to `onData` and are not kept. When a SiteLink
 * is given every datagram crosses it (up for what we send, down for what we receive), so link
 * loss and delay hit TFTP the way they hit a real ROM. The socket is always closed.
 */
import dgram from 'node:dgram';
import { FleetlabError } from '../../base/errors.ts';
import type { SiteLink } from '../../net/site-link.ts';
import { decodeTftp, encodeTftp, ackPacket, errorPacket, TftpErrorCode, type TftpPacket } from './tftp-packet.ts';

export interface TftpGetOptions {
  server: { host: string; port: number };
  file: string;
  /** Requested blksize (RFC 2348); default 1468. 0 or undefined with `noOptions` = plain RFC 1350. */
  blksize?: number;
  /** Ask for tsize (RFC 2349); default true. */
  tsize?: boolean;
  /** Requested windowsize (RFC 7440); not sent unless given (PXE ROMs do not send it). */
  windowsize?: number;
  /** Send a bare RRQ without any option (old ROMs). */
  noOptions?: boolean;
  /** Wait for the next packet before retransmitting, ms (default 1000). */
  timeoutMs?: number;
  /**
   * Wait for the first reply to the RRQ, ms (default `timeoutMs`). PXE ROMs wait longer for the
   * first packet (the server may be busy opening the file) than between data blocks.
   */
  firstTimeoutMs?: number;
  /** Retransmits without progress before giving up (default 5). */
  retries?: number;
  localAddress?: string;
  link?: SiteLink;
  onData?: (chunk: Buffer) => void;
  signal?: AbortSignal;
}

export interface TftpGetResult {
  bytes: number;
  ms: number;
  blksize: number;
  windowsize: number;
  tsize?: number;
}

export function tftpGet(o: TftpGetOptions): Promise<TftpGetResult> {
  return new Promise<TftpGetResult>((resolve, reject) => {
    const timeoutMs = o.timeoutMs ?? 1000;
    const maxRetries = o.retries ?? 5;
    const link = o.link;
    const where = `tftp://${o.server.host}:${o.server.port}/${o.file}`;
    const t0 = performance.now();
    const sock = dgram.createSocket('udp4');

    let withOptions = !o.noOptions;
    let server: { address: string; port: number } | null = null;
    let blksize = 512;
    let windowsize = 1;
    let tsize: number | undefined;
    let received = 0; // highest in-order block (32-bit)
    let bytes = 0;
    let last: Buffer | null = null; // last packet sent, for retransmission
    let lastDest: { address: string; port: number } = { address: o.server.host, port: o.server.port };
    let lastAckSent = -1;
    let sinceAck = 0; // in-order blocks since our last ACK: ACK when a window is complete
    let retries = 0;
    let timer: NodeJS.Timeout | null = null;
    let settled = false;
    // The socket outlives the promise until the last datagrams (final ACK, ERROR) are on the wire:
    // `inflight` counts sends not yet handed to the kernel; a datagram the link drops never
    // completes, so closing also happens after `timeoutMs` at the latest.
    let closed = false;
    let inflight = 0;
    let linger: NodeJS.Timeout | null = null;
    function close(): void {
      if (closed) return;
      closed = true;
      if (linger) clearTimeout(linger);
      sock.close();
    }

    const requested = new Map<string, string>();
    function rrq(): Buffer {
      requested.clear();
      if (withOptions) {
        if (o.tsize !== false) requested.set('tsize', '0');
        requested.set('blksize', String(o.blksize ?? 1468));
        if (o.windowsize !== undefined && o.windowsize > 1) requested.set('windowsize', String(o.windowsize));
      }
      return encodeTftp({ op: 'RRQ', file: o.file, mode: 'octet', options: requested });
    }

    function finish(err: Error | null): void {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      timer = null;
      o.signal?.removeEventListener('abort', onAbort);
      if (inflight === 0) close();
      else linger = setTimeout(close, timeoutMs);
      if (err) reject(err);
      else {
        const r: TftpGetResult = { bytes, ms: performance.now() - t0, blksize, windowsize };
        if (tsize !== undefined) r.tsize = tsize;
        resolve(r);
      }
    }

    function rawSend(b: Buffer, to: { address: string; port: number }): void {
      if (closed) return;
      sock.send(b, to.port, to.address, (err) => {
        inflight--;
        if (err && !settled) finish(new FleetlabError('TFTP_ERROR', `${where}: send failed: ${err.message}`));
        if (settled && inflight === 0) close();
      });
    }

    function send(b: Buffer, to: { address: string; port: number }, remember = true): void {
      if (closed) return;
      if (remember) {
        last = b;
        lastDest = to;
      }
      inflight++;
      if (link)
        link.udp('up', b.length, () => {
          if (closed) return;
          rawSend(b, to);
        }, 'tftp');
      else rawSend(b, to);
    }

    const firstTimeoutMs = o.firstTimeoutMs ?? timeoutMs;
    function arm(): void {
      if (timer) clearTimeout(timer);
      timer = setTimeout(onTimeout, server ? timeoutMs : firstTimeoutMs);
    }

    function onTimeout(): void {
      timer = null;
      if (settled) return;
      if (++retries > maxRetries) {
        const what = server ? `block ${received + 1}` : 'reply to the RRQ';
        return finish(new FleetlabError('TFTP_TIMEOUT', `${where}: no ${what} after ${maxRetries} retransmits of ${server ? timeoutMs : firstTimeoutMs} ms`));
      }
      if (last) send(last, lastDest);
      lastAckSent = -1;
      arm();
    }

    function onAbort(): void {
      finish(o.signal?.reason instanceof Error ? o.signal.reason : new FleetlabError('TFTP_ERROR', `${where}: aborted`));
    }

    function ack(block: number): void {
      if (!server) return;
      lastAckSent = block & 0xffff;
      sinceAck = 0;
      send(ackPacket(block), server);
    }

    function handle(msg: Buffer, r: dgram.RemoteInfo): void {
      if (settled) return;
      if (server && (r.address !== server.address || r.port !== server.port)) {
        // A packet from another TID: tell it so and carry on (RFC 1350 §4).
        send(errorPacket(TftpErrorCode.UNKNOWN_TID, 'unknown transfer ID'), { address: r.address, port: r.port }, false);
        return;
      }
      let p: TftpPacket;
      try {
        p = decodeTftp(msg);
      } catch (e) {
        const dest = { address: r.address, port: r.port };
        send(errorPacket(TftpErrorCode.ILLEGAL_OPERATION, 'malformed packet'), dest, false);
        return finish(new FleetlabError('TFTP_MALFORMED', `${where}: ${(e as Error).message}`));
      }
      switch (p.op) {
        case 'ERROR':
          if (p.code === TftpErrorCode.OPTION_REFUSED && !server && withOptions) {
            // Firmware fallback: the server refused the options; ask again plainly.
            withOptions = false;
            retries = 0;
            send(rrq(), { address: o.server.host, port: o.server.port });
            return arm();
          }
          return finish(new FleetlabError('TFTP_ERROR', `${where}: server error ${p.code}: ${p.message}`, { tftpCode: p.code }));
        case 'OACK': {
          if (server || received > 0) return; // duplicate OACK after we already started
          server = { address: r.address, port: r.port };
          for (const [k, v] of p.options) {
            const n = Number(v);
            const asked = requested.get(k);
            if (asked === undefined || !/^\d+$/.test(v)) {
              send(errorPacket(TftpErrorCode.OPTION_REFUSED, `option ${k}=${v} not requested`), server, false);
              return finish(new FleetlabError('TFTP_MALFORMED', `${where}: OACK option '${k}'='${v}' was not requested or is not a number`));
            }
            if (k === 'blksize') {
              if (n < 8 || n > Number(asked)) {
                send(errorPacket(TftpErrorCode.OPTION_REFUSED, `blksize ${n}`), server, false);
                return finish(new FleetlabError('TFTP_MALFORMED', `${where}: OACK blksize ${n} outside 8..${asked}`));
              }
              blksize = n;
            } else if (k === 'windowsize') {
              if (n < 1 || n > Number(asked)) {
                send(errorPacket(TftpErrorCode.OPTION_REFUSED, `windowsize ${n}`), server, false);
                return finish(new FleetlabError('TFTP_MALFORMED', `${where}: OACK windowsize ${n} outside 1..${asked}`));
              }
              windowsize = n;
            } else if (k === 'tsize') tsize = n;
          }
          retries = 0;
          ack(0);
          return arm();
        }
        case 'DATA': {
          if (!server) {
            if (p.block !== 1) return; // stray
            // The server ignored our options (RFC 1350 server): defaults apply.
            server = { address: r.address, port: r.port };
          }
          const expected = (received + 1) & 0xffff;
          if (p.block !== expected) {
            // Duplicate or gap: ACK the last in-order block once (RFC 7440 §4), the timer covers the rest.
            if (windowsize === 1 || lastAckSent !== (received & 0xffff)) ack(received);
            return;
          }
          if (p.data.length > blksize) return finish(new FleetlabError('TFTP_MALFORMED', `${where}: DATA block ${p.block} carries ${p.data.length} bytes, blksize is ${blksize}`));
          received++;
          bytes += p.data.length;
          retries = 0;
          if (p.data.length > 0) o.onData?.(p.data);
          if (p.data.length < blksize) {
            ack(received);
            if (tsize !== undefined && tsize !== bytes)
              return finish(new FleetlabError('TFTP_ERROR', `${where}: received ${bytes} bytes, tsize announced ${tsize}`));
            return finish(null);
          }
          if (++sinceAck >= windowsize) ack(received);
          return arm();
        }
        case 'ACK':
        case 'RRQ':
        case 'WRQ':
          send(errorPacket(TftpErrorCode.ILLEGAL_OPERATION, `unexpected ${p.op}`), { address: r.address, port: r.port }, false);
          return finish(new FleetlabError('TFTP_MALFORMED', `${where}: server sent ${p.op}`));
      }
    }

    sock.on('message', (msg, r) => {
      if (link) link.udp('down', msg.length, () => handle(msg, r), 'tftp');
      else handle(msg, r);
    });
    sock.on('error', (e) => finish(new FleetlabError('TFTP_ERROR', `${where}: ${e.message}`)));
    if (o.signal) {
      if (o.signal.aborted) {
        settled = true;
        close();
        reject(o.signal.reason instanceof Error ? o.signal.reason : new FleetlabError('TFTP_ERROR', `${where}: aborted`));
        return;
      }
      o.signal.addEventListener('abort', onAbort, { once: true });
    }
    sock.bind(0, o.localAddress, () => {
      send(rrq(), { address: o.server.host, port: o.server.port });
      arm();
    });
  });
}
