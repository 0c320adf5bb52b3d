/**
 * The TFTP server's options, transfer records, errors and handle: types shared by the server
 * (tftp-server.ts), the per-transfer state machine (tftp-transfer.ts) and its callers.
 */
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
