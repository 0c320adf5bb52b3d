/**
 * Read-only TFTP server (RFC 1350) with option negotiation (RFC 2347): blksize (2348),
 * tsize + timeout (2349), windowsize (7440).
 *
 *   client ──RRQ──▶ listen socket (host:port)
 *                        │ files(name) → Buffer | null
 *                        ▼
 *   client ◀─OACK/DATA── transfer socket (host:ephemeral = new TID) ◀─ACK── client
 *
 * Each transfer gets its own socket (the RFC's TID); packets from any other address/port on
 * it get ERROR 5 (unknown TID). Blocks go out a window at a time; an ACK that advances the
 * window sends the next one, a timeout resends from the first unacknowledged block (at most
 * `maxRetries` times, then the transfer is abandoned and reported). Block numbers wrap at 65536.
 * Bad packets are answered with an ERROR (or dropped) and reported through onError; nothing
 * a client sends can throw out of a socket handler.
 */
import dgram from 'node:dgram';
import {
  decodeTftp,
  dataPacket,
  errorPacket,
  encodeTftp,
  TftpErrorCode,
  MIN_BLKSIZE,
  MAX_BLKSIZE,
  type TftpPacket,
} from './tftp-packet.ts';
import { ERRORS } from '../../base/errors.ts';

export interface TftpRemote {
  address: string;
  port: number;
}

export interface TftpTransferInfo {
  file: string;
  remote: TftpRemote;
  bytes: number;
  ms: number;
  blksize: number;
  windowsize: number;
}

export interface TftpServerError {
  /** FLEETLAB_ERR_TFTP_MALFORMED | FLEETLAB_ERR_TFTP_ERROR | FLEETLAB_ERR_TFTP_TIMEOUT */
  code: string;
  message: string;
  remote: TftpRemote;
}

export interface TftpServerOptions {
  host: string;
  port: number;
  /** The file's bytes, or null for "file not found". May throw: the client then gets ERROR 0. */
  files: (name: string, remote: TftpRemote) => Buffer | null | Promise<Buffer | null>;
  /** Largest blksize granted (default 1468: one 1500-byte Ethernet frame). */
  maxBlksize?: number;
  /** Largest windowsize granted (default 64). */
  maxWindowsize?: number;
  /** Retransmit timeout when the client does not ask for one, ms (default 1000). */
  retransmitMs?: number;
  /** Retransmits of one window before the transfer is abandoned (default 5). */
  maxRetries?: number;
  onTransfer?: (t: TftpTransferInfo) => void;
  onError?: (e: TftpServerError) => void;
}

export interface TftpServer {
  address: { host: string; port: number };
  close(): Promise<void>;
}

const MALFORMED: string = ERRORS.TFTP_MALFORMED.code;
const ERROR: string = ERRORS.TFTP_ERROR.code;
const TIMEOUT: string = ERRORS.TFTP_TIMEOUT.code;

export async function startTftpServer(opts: TftpServerOptions): Promise<TftpServer> {
  const maxBlk = Math.min(MAX_BLKSIZE, Math.max(MIN_BLKSIZE, opts.maxBlksize ?? 1468));
  const maxWin = Math.max(1, opts.maxWindowsize ?? 64);
  const defTimeout = opts.retransmitMs ?? 1000;
  const maxRetries = opts.maxRetries ?? 5;
  const transfers = new Set<Transfer>();
  const report = (code: string, message: string, remote: TftpRemote) => {
    try {
      opts.onError?.({ code, message, remote });
    } catch {
      // a throwing observer must not take the server down
    }
  };

  const listen = dgram.createSocket('udp4');
  listen.on('error', (e) => report(ERROR, `listen socket: ${e.message}`, { address: opts.host, port: opts.port }));
  listen.on('message', (msg, rinfo) => {
    const remote = { address: rinfo.address, port: rinfo.port };
    let p: TftpPacket;
    try {
      p = decodeTftp(msg);
    } catch (e) {
      const m = (e as Error).message;
      report(MALFORMED, m, remote);
      listen.send(errorPacket(TftpErrorCode.ILLEGAL_OPERATION, m), rinfo.port, rinfo.address);
      return;
    }
    if (p.op === 'WRQ') {
      report(ERROR, `WRQ for '${p.file}' refused: server is read-only`, remote);
      listen.send(errorPacket(TftpErrorCode.ACCESS_VIOLATION, 'read-only server'), rinfo.port, rinfo.address);
      return;
    }
    if (p.op !== 'RRQ') {
      // DATA/ACK/ERROR/OACK to the listen port: not part of any transfer (RFC 1350: unknown TID).
      if (p.op !== 'ERROR') listen.send(errorPacket(TftpErrorCode.UNKNOWN_TID, `unexpected ${p.op} on the request port`), rinfo.port, rinfo.address);
      report(MALFORMED, `${p.op} sent to the request port`, remote);
      return;
    }
    const t = new Transfer(p, remote);
    transfers.add(t);
    t.start().catch((e: unknown) => {
      report(ERROR, `transfer of '${p.file}': ${(e as Error).message}`, remote);
      t.finish();
    });
  });

  class Transfer {
    sock: dgram.Socket | null = null;
    data: Buffer = Buffer.alloc(0);
    blksize = 512;
    window = 1;
    timeoutMs = defTimeout;
    /** Highest block acknowledged (32-bit, 0 = OACK acknowledged / nothing yet). */
    base = 0;
    /** Highest block sent. */
    sent = 0;
    lastBlock = 0;
    oack: Buffer | null = null;
    retries = 0;
    timer: NodeJS.Timeout | null = null;
    t0 = performance.now();
    done = false;

    constructor(
      readonly req: Extract<TftpPacket, { op: 'RRQ' | 'WRQ' }>,
      readonly remote: TftpRemote,
    ) {}

    async start(): Promise<void> {
      const sock = dgram.createSocket('udp4');
      this.sock = sock;
      sock.on('message', (m, r) => this.onMessage(m, r));
      // A bind failure (EMFILE in a huge storm) ends this transfer; the client retransmits its RRQ.
      const bound = await new Promise<boolean>((resolve) => {
        sock.once('error', () => resolve(false));
        sock.bind(0, opts.host === '0.0.0.0' ? undefined : opts.host, () => resolve(true));
      });
      sock.on('error', (e) => {
        report(ERROR, `transfer of '${this.req.file}': ${e.message}`, this.remote);
        this.finish();
      });
      if (!bound) {
        report(ERROR, `transfer of '${this.req.file}': cannot open a transfer socket`, this.remote);
        return this.finish();
      }
      if (this.done) return;
      if (this.req.mode !== 'octet' && this.req.mode !== 'netascii') return this.fail(TftpErrorCode.ILLEGAL_OPERATION, `mode '${this.req.mode}' not supported`);
      let file: Buffer | null;
      try {
        file = await opts.files(this.req.file, this.remote);
      } catch (e) {
        return this.fail(TftpErrorCode.NOT_DEFINED, `cannot read '${this.req.file}': ${(e as Error).message}`);
      }
      if (this.done) return;
      if (!file) return this.fail(TftpErrorCode.FILE_NOT_FOUND, `file not found: ${this.req.file}`);
      this.data = file;
      const o = this.req.options;
      const ack = new Map<string, string>();
      const blk = o.get('blksize');
      if (blk !== undefined && /^\d+$/.test(blk) && Number(blk) >= MIN_BLKSIZE) {
        this.blksize = Math.min(maxBlk, Number(blk));
        ack.set('blksize', String(this.blksize));
      }
      const ts = o.get('tsize');
      if (ts !== undefined) ack.set('tsize', String(file.length));
      const to = o.get('timeout');
      if (to !== undefined && /^\d+$/.test(to) && Number(to) >= 1 && Number(to) <= 255) {
        this.timeoutMs = Number(to) * 1000;
        ack.set('timeout', to);
      }
      const ws = o.get('windowsize');
      if (ws !== undefined && /^\d+$/.test(ws) && Number(ws) >= 1) {
        this.window = Math.min(maxWin, Number(ws));
        ack.set('windowsize', String(this.window));
      }
      this.lastBlock = Math.floor(file.length / this.blksize) + 1;
      if (ack.size > 0) {
        this.oack = encodeTftp({ op: 'OACK', options: ack });
        this.send(this.oack);
        this.arm();
      } else {
        this.sendWindow();
      }
    }

    send(b: Buffer): void {
      this.sock?.send(b, this.remote.port, this.remote.address);
    }

    sendWindow(): void {
      const end = Math.min(this.lastBlock, this.base + this.window);
      for (let n = this.base + 1; n <= end; n++) {
        const start = (n - 1) * this.blksize;
        this.send(dataPacket(n, this.data, start, Math.min(this.data.length, start + this.blksize)));
      }
      this.sent = end;
      this.arm();
    }

    arm(): void {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.onTimeout(), this.timeoutMs);
    }

    onTimeout(): void {
      this.timer = null;
      if (this.done) return;
      if (++this.retries > maxRetries) {
        report(TIMEOUT, `transfer of '${this.req.file}' abandoned: no ACK for block ${this.base + 1} after ${maxRetries} retransmits`, this.remote);
        return this.finish();
      }
      if (this.oack && this.base === 0 && this.sent === 0) {
        this.send(this.oack);
        this.arm();
      } else {
        this.sendWindow();
      }
    }

    onMessage(m: Buffer, r: dgram.RemoteInfo): void {
      if (this.done) return;
      if (r.address !== this.remote.address || r.port !== this.remote.port) {
        this.sock?.send(errorPacket(TftpErrorCode.UNKNOWN_TID, 'unknown transfer ID'), r.port, r.address);
        report(MALFORMED, `packet from unknown TID ${r.address}:${r.port} during '${this.req.file}'`, { address: r.address, port: r.port });
        return;
      }
      let p: TftpPacket;
      try {
        p = decodeTftp(m);
      } catch (e) {
        return this.fail(TftpErrorCode.ILLEGAL_OPERATION, (e as Error).message, MALFORMED);
      }
      if (p.op === 'ERROR') {
        // ERROR 8 after our OACK = the client refused the options; either way the transfer ends.
        report(ERROR, `client ended '${this.req.file}' with error ${p.code}: ${p.message}`, this.remote);
        return this.finish();
      }
      if (p.op !== 'ACK') return this.fail(TftpErrorCode.ILLEGAL_OPERATION, `expected ACK, got ${p.op}`, MALFORMED);
      // Map the 16-bit block to a position relative to the window base.
      const delta = (p.block - (this.base & 0xffff)) & 0xffff;
      const inFlight = this.sent - this.base;
      if (delta === 0) {
        // ACK of the OACK (block 0) starts the data; otherwise a duplicate ACK. With a window,
        // the client ACKs its last in-order block when it sees a gap: resend from there (RFC 7440).
        // With window 1 a duplicate is ignored (Sorcerer's Apprentice) — the timer covers loss.
        if (this.base === 0 && this.sent === 0) {
          this.retries = 0;
          return this.sendWindow();
        }
        if (this.window > 1) return this.sendWindow();
        return;
      }
      if (delta > inFlight) return; // stale ACK from before a wrap or a retransmitted window
      this.base += delta;
      this.retries = 0;
      if (this.base >= this.lastBlock) {
        const ms = performance.now() - this.t0;
        try {
          opts.onTransfer?.({ file: this.req.file, remote: this.remote, bytes: this.data.length, ms, blksize: this.blksize, windowsize: this.window });
        } catch {
          // observer errors are not the transfer's
        }
        return this.finish();
      }
      // Send the next window once the current one is fully acknowledged (or the client ACKed
      // short of it: then resend from the ACKed block).
      if (this.base >= this.sent || this.window > 1) this.sendWindow();
    }

    fail(code: number, message: string, errCode = ERROR): void {
      this.send(errorPacket(code, message));
      report(errCode, message, this.remote);
      this.finish();
    }

    finish(): void {
      if (this.done) return;
      this.done = true;
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      transfers.delete(this);
      const s = this.sock;
      this.sock = null;
      this.data = Buffer.alloc(0);
      // Let the last send flush before closing.
      if (s) setImmediate(() => s.close());
    }
  }

  await new Promise<void>((resolve, reject) => {
    listen.once('error', reject);
    listen.bind(opts.port, opts.host, () => {
      listen.off('error', reject);
      resolve();
    });
  });
  const a = listen.address();
  let closed = false;
  return {
    address: { host: a.address, port: a.port },
    async close() {
      if (closed) return;
      closed = true;
      for (const t of [...transfers]) t.finish();
      await new Promise<void>((r) => listen.close(() => r()));
      // finish() closes transfer sockets on the next turn.
      await new Promise<void>((r) => setImmediate(r));
    },
  };
}
