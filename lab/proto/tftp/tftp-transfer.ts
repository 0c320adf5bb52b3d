/**
 * One TFTP read transfer on the server side: its own socket (the RFC's TID), option negotiation
 * and the send/ACK/retransmit state machine.
 *
 *   open socket ─▶ mode check ─▶ files(name) ─▶ negotiate options ─┬─ OACK ─▶ ACK 0 ─┐
 *                                                                  └────────────────┴─▶ window of DATA
 *        ◀─ ACK advances base ─▶ next window … last block ACKed ─▶ onTransfer ─▶ finish
 *        timeout ─▶ resend from base (≤ maxRetries, then abandoned) · ERROR/bad packet ─▶ finish
 *
 * Blocks go out a window at a time (RFC 7440); block numbers wrap at 65536 (positions are kept
 * 32-bit, the wire carries the low 16 bits). Packets from another address/port get ERROR 5.
 */
import dgram from 'node:dgram';
import { ERRORS } from '../../base/errors.ts';
import { decodeTftp, dataPacket, errorPacket, encodeTftp, TftpErrorCode, MIN_BLKSIZE, type TftpPacket } from './tftp-packet.ts';
import type { TftpRemote, TftpServerOptions } from './tftp-server-types.ts';

const MALFORMED = ERRORS.TFTP_MALFORMED.code;
const ERROR = ERRORS.TFTP_ERROR.code;
const TIMEOUT = ERRORS.TFTP_TIMEOUT.code;

/** What every transfer of one server shares (one object per server, not per transfer). */
export interface TftpTransferConfig {
  host: string;
  files: TftpServerOptions['files'];
  onTransfer: TftpServerOptions['onTransfer'];
  maxBlksize: number;
  maxWindowsize: number;
  retransmitMs: number;
  maxRetries: number;
  /** Report a problem (never throws). */
  report(code: string, message: string, remote: TftpRemote): void;
  /** The transfer is over (done, failed or abandoned). */
  finished(t: TftpTransfer): void;
}

export type TftpReadRequest = Extract<TftpPacket, { op: 'RRQ' | 'WRQ' }>;

export class TftpTransfer {
  private sock: dgram.Socket | null = null;
  private data: Buffer = Buffer.alloc(0);
  private blksize = 512;
  private window = 1;
  private timeoutMs: number;
  /** Highest block acknowledged (32-bit, 0 = OACK acknowledged / nothing yet). */
  private base = 0;
  /** Highest block sent. */
  private sent = 0;
  private lastBlock = 0;
  private oack: Buffer | null = null;
  private retries = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly t0 = performance.now();
  private done = false;

  constructor(
    private readonly cfg: TftpTransferConfig,
    readonly req: TftpReadRequest,
    readonly remote: TftpRemote,
  ) {
    this.timeoutMs = cfg.retransmitMs;
  }

  async start(): Promise<void> {
    if (!(await this.open())) return;
    if (this.req.mode !== 'octet' && this.req.mode !== 'netascii') return this.fail(TftpErrorCode.ILLEGAL_OPERATION, `mode '${this.req.mode}' not supported`);
    let file: Buffer | null;
    try {
      file = await this.cfg.files(this.req.file, this.remote);
    } catch (e) {
      return this.fail(TftpErrorCode.NOT_DEFINED, `cannot read '${this.req.file}': ${(e as Error).message}`);
    }
    if (this.done) return;
    if (!file) return this.fail(TftpErrorCode.FILE_NOT_FOUND, `file not found: ${this.req.file}`);
    this.data = file;
    const ack = this.negotiate(file.length);
    this.lastBlock = Math.floor(file.length / this.blksize) + 1;
    if (ack.size > 0) {
      this.oack = encodeTftp({ op: 'OACK', options: ack });
      this.send(this.oack);
      this.arm();
    } else {
      this.sendWindow();
    }
  }

  /** Bind this transfer's socket; false (transfer over) when it cannot be opened or finished meanwhile. */
  private async open(): Promise<boolean> {
    const sock = dgram.createSocket('udp4');
    this.sock = sock;
    sock.on('message', (m, r) => this.onMessage(m, r));
    // A bind failure (EMFILE in a huge storm) ends this transfer; the client retransmits its RRQ.
    const bound = await new Promise<boolean>((resolve) => {
      sock.once('error', () => resolve(false));
      sock.bind(0, this.cfg.host === '0.0.0.0' ? undefined : this.cfg.host, () => resolve(true));
    });
    sock.on('error', (e) => {
      this.cfg.report(ERROR, `transfer of '${this.req.file}': ${e.message}`, this.remote);
      this.finish();
    });
    if (!bound) {
      this.cfg.report(ERROR, `transfer of '${this.req.file}': cannot open a transfer socket`, this.remote);
      this.finish();
      return false;
    }
    return !this.done;
  }

  /** RFC 2347/2348/2349/7440: grant what the client asked within our limits; the OACK options. */
  private negotiate(fileLength: number): Map<string, string> {
    const o = this.req.options;
    const ack = new Map<string, string>();
    const blk = o.get('blksize');
    if (blk !== undefined && /^\d+$/.test(blk) && Number(blk) >= MIN_BLKSIZE) {
      this.blksize = Math.min(this.cfg.maxBlksize, Number(blk));
      ack.set('blksize', String(this.blksize));
    }
    if (o.get('tsize') !== undefined) ack.set('tsize', String(fileLength));
    const to = o.get('timeout');
    if (to !== undefined && /^\d+$/.test(to) && Number(to) >= 1 && Number(to) <= 255) {
      this.timeoutMs = Number(to) * 1000;
      ack.set('timeout', to);
    }
    const ws = o.get('windowsize');
    if (ws !== undefined && /^\d+$/.test(ws) && Number(ws) >= 1) {
      this.window = Math.min(this.cfg.maxWindowsize, Number(ws));
      ack.set('windowsize', String(this.window));
    }
    return ack;
  }

  private send(b: Buffer): void {
    this.sock?.send(b, this.remote.port, this.remote.address);
  }

  private sendWindow(): void {
    const end = Math.min(this.lastBlock, this.base + this.window);
    for (let n = this.base + 1; n <= end; n++) {
      const start = (n - 1) * this.blksize;
      this.send(dataPacket(n, this.data, start, Math.min(this.data.length, start + this.blksize)));
    }
    this.sent = end;
    this.arm();
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onTimeout(), this.timeoutMs);
  }

  private onTimeout(): void {
    this.timer = null;
    if (this.done) return;
    if (++this.retries > this.cfg.maxRetries) {
      this.cfg.report(TIMEOUT, `transfer of '${this.req.file}' abandoned: no ACK for block ${this.base + 1} after ${this.cfg.maxRetries} retransmits`, this.remote);
      return this.finish();
    }
    if (this.oack && this.base === 0 && this.sent === 0) {
      this.send(this.oack);
      this.arm();
    } else {
      this.sendWindow();
    }
  }

  private onMessage(m: Buffer, r: dgram.RemoteInfo): void {
    if (this.done) return;
    if (r.address !== this.remote.address || r.port !== this.remote.port) {
      this.sock?.send(errorPacket(TftpErrorCode.UNKNOWN_TID, 'unknown transfer ID'), r.port, r.address);
      this.cfg.report(MALFORMED, `packet from unknown TID ${r.address}:${r.port} during '${this.req.file}'`, { address: r.address, port: r.port });
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
      this.cfg.report(ERROR, `client ended '${this.req.file}' with error ${p.code}: ${p.message}`, this.remote);
      return this.finish();
    }
    if (p.op !== 'ACK') return this.fail(TftpErrorCode.ILLEGAL_OPERATION, `expected ACK, got ${p.op}`, MALFORMED);
    this.onAck(p.block);
  }

  private onAck(block: number): void {
    // Map the 16-bit block to a position relative to the window base.
    const delta = (block - (this.base & 0xffff)) & 0xffff;
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
        this.cfg.onTransfer?.({ file: this.req.file, remote: this.remote, bytes: this.data.length, ms, blksize: this.blksize, windowsize: this.window });
      } catch {
        // observer errors are not the transfer's
      }
      return this.finish();
    }
    // Send the next window once the current one is fully acknowledged (or the client ACKed
    // short of it: then resend from the ACKed block).
    if (this.base >= this.sent || this.window > 1) this.sendWindow();
  }

  private fail(code: number, message: string, errCode: string = ERROR): void {
    this.send(errorPacket(code, message));
    this.cfg.report(errCode, message, this.remote);
    this.finish();
  }

  finish(): void {
    if (this.done) return;
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.cfg.finished(this);
    const s = this.sock;
    this.sock = null;
    this.data = Buffer.alloc(0);
    // Let the last send flush before closing.
    if (s) setImmediate(() => s.close());
  }
}
