/**
 * Read-only TFTP server (RFC 1350) with option negotiation (RFC 2347): blksize (2348),
 * tsize + timeout (2349), windowsize (7440).
 *
 *   client ──RRQ──▶ listen socket (host:port)
 *                        │ files(name) → Buffer | null
 *                        ▼
 *   client ◀─OACK/DATA── transfer socket (host:ephemeral = new TID) ◀─ACK── client
 *
 * Each transfer gets its own socket (the RFC's TID) and state machine (tftp-transfer.ts);
 * packets from any other address/port on it get ERROR 5 (unknown TID). Blocks go out a window
 * at a time; an ACK that advances the window sends the next one, a timeout resends from the
 * first unacknowledged block (at most `maxRetries` times, then the transfer is abandoned and
 * reported). Block numbers wrap at 65536.
 * Bad packets are answered with an ERROR (or dropped) and reported through onError; nothing
 * a client sends can throw out of a socket handler.
 */
import dgram from 'node:dgram';
import { ERRORS } from '../../base/errors.ts';
import { decodeTftp, errorPacket, TftpErrorCode, MIN_BLKSIZE, MAX_BLKSIZE, type TftpPacket } from './tftp-packet.ts';
import { TftpTransfer, type TftpReadRequest, type TftpTransferConfig } from './tftp-transfer.ts';
import type { TftpRemote, TftpServer, TftpServerError, TftpServerOptions, TftpTransferInfo } from './tftp-server-types.ts';

export type * from './tftp-server-types.ts';


const MALFORMED = ERRORS.TFTP_MALFORMED.code;
const ERROR = ERRORS.TFTP_ERROR.code;

export async function startTftpServer(opts: TftpServerOptions): Promise<TftpServer> {
  const transfers = new Set<TftpTransfer>();
  const report = (code: string, message: string, remote: TftpRemote) => {
    try {
      opts.onError?.({ code, message, remote });
    } catch {
      // a throwing observer must not take the server down
    }
  };
  const cfg: TftpTransferConfig = {
    host: opts.host,
    files: opts.files,
    onTransfer: opts.onTransfer,
    maxBlksize: Math.min(MAX_BLKSIZE, Math.max(MIN_BLKSIZE, opts.maxBlksize ?? 1468)),
    maxWindowsize: Math.max(1, opts.maxWindowsize ?? 64),
    retransmitMs: opts.retransmitMs ?? 1000,
    maxRetries: opts.maxRetries ?? 5,
    report,
    finished: (t) => transfers.delete(t),
  };

  const listen = dgram.createSocket('udp4');
  listen.on('error', (e) => report(ERROR, `listen socket: ${e.message}`, { address: opts.host, port: opts.port }));
  listen.on('message', (msg, rinfo) => {
    const p = requestOrRefusal(listen, msg, rinfo, report);
    if (!p) return;
    const remote = { address: rinfo.address, port: rinfo.port };
    const t = new TftpTransfer(cfg, p, remote);
    transfers.add(t);
    t.start().catch((e: unknown) => {
      report(ERROR, `transfer of '${p.file}': ${(e as Error).message}`, remote);
      t.finish();
    });
  });

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

/** A packet on the request port: the RRQ to serve, or null after answering/reporting anything else. */
function requestOrRefusal(
  listen: dgram.Socket,
  msg: Buffer,
  rinfo: dgram.RemoteInfo,
  report: (code: string, message: string, remote: TftpRemote) => void,
): TftpReadRequest | null {
  const remote = { address: rinfo.address, port: rinfo.port };
  let p: TftpPacket;
  try {
    p = decodeTftp(msg);
  } catch (e) {
    const m = (e as Error).message;
    report(MALFORMED, m, remote);
    listen.send(errorPacket(TftpErrorCode.ILLEGAL_OPERATION, m), rinfo.port, rinfo.address);
    return null;
  }
  if (p.op === 'WRQ') {
    report(ERROR, `WRQ for '${p.file}' refused: server is read-only`, remote);
    listen.send(errorPacket(TftpErrorCode.ACCESS_VIOLATION, 'read-only server'), rinfo.port, rinfo.address);
    return null;
  }
  if (p.op !== 'RRQ') {
    // DATA/ACK/ERROR/OACK to the listen port: not part of any transfer (RFC 1350: unknown TID).
    if (p.op !== 'ERROR') listen.send(errorPacket(TftpErrorCode.UNKNOWN_TID, `unexpected ${p.op} on the request port`), rinfo.port, rinfo.address);
    report(MALFORMED, `${p.op} sent to the request port`, remote);
    return null;
  }
  return p;
}
