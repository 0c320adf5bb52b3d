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
 * One read is one TftpRead: the state machine as fields and methods, no closure per read.
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
  return new Promise<TftpGetResult>((resolve, reject) => new TftpRead(o, resolve, reject).start());
}

type Peer = { address: string; port: number };

/** One read: the client's half of the RFC 1350/2347/7440 state machine, one socket. */
class TftpRead {
  private readonly timeoutMs: number;
  private readonly firstTimeoutMs: number;
  private readonly maxRetries: number;
  private readonly where: string;
  private readonly t0 = performance.now();
  private readonly sock = dgram.createSocket('udp4');
  private withOptions: boolean;
  /** The server's transfer TID, once its first packet arrived. */
  private server: Peer | null = null;
  private blksize = 512;
  private windowsize = 1;
  private tsize: number | undefined;
  private received = 0; // highest in-order block (32-bit)
  private bytes = 0;
  private last: Buffer | null = null; // last packet sent, for retransmission
  private lastDest: Peer;
  private lastAckSent = -1;
  private sinceAck = 0; // in-order blocks since our last ACK: ACK when a window is complete
  private retries = 0;
  private timer: NodeJS.Timeout | null = null;
  private settled = false;
  // The socket outlives the promise until the last datagrams (final ACK, ERROR) are on the wire:
  // `inflight` counts sends not yet handed to the kernel; a datagram the link drops never
  // completes, so closing also happens after `timeoutMs` at the latest.
  private closed = false;
  private inflight = 0;
  private linger: NodeJS.Timeout | null = null;
  private readonly requested = new Map<string, string>();
  private readonly onAbort = () => {
    const sig = this.o.signal;
    this.finish(sig?.reason instanceof Error ? sig.reason : new FleetlabError('TFTP_ERROR', `${this.where}: aborted`));
  };

  constructor(
    private readonly o: TftpGetOptions,
    private readonly resolve: (r: TftpGetResult) => void,
    private readonly reject: (e: Error) => void,
  ) {
    this.timeoutMs = o.timeoutMs ?? 1000;
    this.firstTimeoutMs = o.firstTimeoutMs ?? this.timeoutMs;
    this.maxRetries = o.retries ?? 5;
    this.where = `tftp://${o.server.host}:${o.server.port}/${o.file}`;
    this.withOptions = !o.noOptions;
    this.lastDest = { address: o.server.host, port: o.server.port };
  }

  start(): void {
    const { o, sock } = this;
    const link = o.link;
    sock.on('message', (msg, r) => {
      if (link) link.udp('down', msg.length, () => this.handle(msg, r), 'tftp');
      else this.handle(msg, r);
    });
    sock.on('error', (e) => this.finish(new FleetlabError('TFTP_ERROR', `${this.where}: ${e.message}`)));
    if (o.signal) {
      if (o.signal.aborted) {
        this.settled = true;
        this.close();
        this.reject(o.signal.reason instanceof Error ? o.signal.reason : new FleetlabError('TFTP_ERROR', `${this.where}: aborted`));
        return;
      }
      o.signal.addEventListener('abort', this.onAbort, { once: true });
    }
    sock.bind(0, o.localAddress, () => {
      this.send(this.rrq(), { address: o.server.host, port: o.server.port });
      this.arm();
    });
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.linger) clearTimeout(this.linger);
    this.sock.close();
  }

  private rrq(): Buffer {
    const { o, requested } = this;
    requested.clear();
    if (this.withOptions) {
      if (o.tsize !== false) requested.set('tsize', '0');
      requested.set('blksize', String(o.blksize ?? 1468));
      if (o.windowsize !== undefined && o.windowsize > 1) requested.set('windowsize', String(o.windowsize));
    }
    return encodeTftp({ op: 'RRQ', file: o.file, mode: 'octet', options: requested });
  }

  private finish(err: Error | null): void {
    if (this.settled) return;
    this.settled = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.o.signal?.removeEventListener('abort', this.onAbort);
    if (this.inflight === 0) this.close();
    else this.linger = setTimeout(() => this.close(), this.timeoutMs);
    if (err) this.reject(err);
    else {
      const r: TftpGetResult = { bytes: this.bytes, ms: performance.now() - this.t0, blksize: this.blksize, windowsize: this.windowsize };
      if (this.tsize !== undefined) r.tsize = this.tsize;
      this.resolve(r);
    }
  }

  private rawSend(b: Buffer, to: Peer): void {
    if (this.closed) return;
    this.sock.send(b, to.port, to.address, (err) => {
      this.inflight--;
      if (err && !this.settled) this.finish(new FleetlabError('TFTP_ERROR', `${this.where}: send failed: ${err.message}`));
      if (this.settled && this.inflight === 0) this.close();
    });
  }

  private send(b: Buffer, to: Peer, remember = true): void {
    if (this.closed) return;
    if (remember) {
      this.last = b;
      this.lastDest = to;
    }
    this.inflight++;
    const link = this.o.link;
    if (link)
      link.udp('up', b.length, () => {
        if (this.closed) return;
        this.rawSend(b, to);
      }, 'tftp');
    else this.rawSend(b, to);
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onTimeout(), this.server ? this.timeoutMs : this.firstTimeoutMs);
  }

  private onTimeout(): void {
    this.timer = null;
    if (this.settled) return;
    if (++this.retries > this.maxRetries) {
      const what = this.server ? `block ${this.received + 1}` : 'reply to the RRQ';
      return this.finish(new FleetlabError('TFTP_TIMEOUT', `${this.where}: no ${what} after ${this.maxRetries} retransmits of ${this.server ? this.timeoutMs : this.firstTimeoutMs} ms`));
    }
    if (this.last) this.send(this.last, this.lastDest);
    this.lastAckSent = -1;
    this.arm();
  }

  private ack(block: number): void {
    if (!this.server) return;
    this.lastAckSent = block & 0xffff;
    this.sinceAck = 0;
    this.send(ackPacket(block), this.server);
  }

  /** Refuse a packet with ERROR `code` (not remembered for retransmission) and fail the read. */
  private refuse(code: number, text: string, to: Peer, err: FleetlabError): void {
    this.send(errorPacket(code, text), to, false);
    this.finish(err);
  }

  private handle(msg: Buffer, r: dgram.RemoteInfo): void {
    if (this.settled) return;
    const from = { address: r.address, port: r.port };
    const server = this.server;
    if (server && (r.address !== server.address || r.port !== server.port)) {
      // A packet from another TID: tell it so and carry on (RFC 1350 §4).
      this.send(errorPacket(TftpErrorCode.UNKNOWN_TID, 'unknown transfer ID'), from, false);
      return;
    }
    let p: TftpPacket;
    try {
      p = decodeTftp(msg);
    } catch (e) {
      return this.refuse(TftpErrorCode.ILLEGAL_OPERATION, 'malformed packet', from, new FleetlabError('TFTP_MALFORMED', `${this.where}: ${(e as Error).message}`));
    }
    switch (p.op) {
      case 'ERROR':
        return this.onError(p.code, p.message);
      case 'OACK':
        return this.onOack(p.options, from);
      case 'DATA':
        return this.onData(p.block, p.data, from);
      case 'ACK':
      case 'RRQ':
      case 'WRQ':
        return this.refuse(TftpErrorCode.ILLEGAL_OPERATION, `unexpected ${p.op}`, from, new FleetlabError('TFTP_MALFORMED', `${this.where}: server sent ${p.op}`));
    }
  }

  private onError(code: number, message: string): void {
    if (code === TftpErrorCode.OPTION_REFUSED && !this.server && this.withOptions) {
      // Firmware fallback: the server refused the options; ask again plainly.
      this.withOptions = false;
      this.retries = 0;
      this.send(this.rrq(), { address: this.o.server.host, port: this.o.server.port });
      return this.arm();
    }
    this.finish(new FleetlabError('TFTP_ERROR', `${this.where}: server error ${code}: ${message}`, { tftpCode: code }));
  }

  private onOack(options: Map<string, string>, from: Peer): void {
    if (this.server || this.received > 0) return; // duplicate OACK after we already started
    const server = (this.server = from);
    const where = this.where;
    for (const [k, v] of options) {
      const n = Number(v);
      const asked = this.requested.get(k);
      if (asked === undefined || !/^\d+$/.test(v))
        return this.refuse(TftpErrorCode.OPTION_REFUSED, `option ${k}=${v} not requested`, server, new FleetlabError('TFTP_MALFORMED', `${where}: OACK option '${k}'='${v}' was not requested or is not a number`));
      if (k === 'blksize') {
        if (n < 8 || n > Number(asked)) return this.refuse(TftpErrorCode.OPTION_REFUSED, `blksize ${n}`, server, new FleetlabError('TFTP_MALFORMED', `${where}: OACK blksize ${n} outside 8..${asked}`));
        this.blksize = n;
      } else if (k === 'windowsize') {
        if (n < 1 || n > Number(asked)) return this.refuse(TftpErrorCode.OPTION_REFUSED, `windowsize ${n}`, server, new FleetlabError('TFTP_MALFORMED', `${where}: OACK windowsize ${n} outside 1..${asked}`));
        this.windowsize = n;
      } else if (k === 'tsize') this.tsize = n;
    }
    this.retries = 0;
    this.ack(0);
    this.arm();
  }

  private onData(block: number, data: Buffer, from: Peer): void {
    if (!this.server) {
      if (block !== 1) return; // stray
      // The server ignored our options (RFC 1350 server): defaults apply.
      this.server = from;
    }
    const expected = (this.received + 1) & 0xffff;
    if (block !== expected) {
      // Duplicate or gap: ACK the last in-order block once (RFC 7440 §4), the timer covers the rest.
      if (this.windowsize === 1 || this.lastAckSent !== (this.received & 0xffff)) this.ack(this.received);
      return;
    }
    if (data.length > this.blksize) return this.finish(new FleetlabError('TFTP_MALFORMED', `${this.where}: DATA block ${block} carries ${data.length} bytes, blksize is ${this.blksize}`));
    this.received++;
    this.bytes += data.length;
    this.retries = 0;
    if (data.length > 0) this.o.onData?.(data);
    if (data.length < this.blksize) {
      this.ack(this.received);
      if (this.tsize !== undefined && this.tsize !== this.bytes)
        return this.finish(new FleetlabError('TFTP_ERROR', `${this.where}: received ${this.bytes} bytes, tsize announced ${this.tsize}`));
      return this.finish(null);
    }
    if (++this.sinceAck >= this.windowsize) this.ack(this.received);
    this.arm();
  }
}
