/**
 * TFTP codec: RFC 1350 packets plus RFC 2347 option extension (OACK) with the options of
 * RFC 2348 (blksize), RFC 2349 (timeout, tsize) and RFC 7440 (windowsize).
 *
 *   RRQ/WRQ  | 01/02 | filename 0 | mode 0 | [opt 0 value 0]* |
 *   DATA     | 03 | block(2) | data (0..blksize) |
 *   ACK      | 04 | block(2) |
 *   ERROR    | 05 | code(2) | message 0 |
 *   OACK     | 06 | [opt 0 value 0]* |
 *
 * Option names are case-insensitive on the wire; decode lower-cases them. Decode errors are
 * FleetlabError('TFTP_MALFORMED') naming the field ("RRQ: mode not NUL-terminated").
 */
import { FleetlabError } from '../../base/errors.ts';

export const TftpOp = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;

export const TftpErrorCode = {
  NOT_DEFINED: 0,
  FILE_NOT_FOUND: 1,
  ACCESS_VIOLATION: 2,
  DISK_FULL: 3,
  ILLEGAL_OPERATION: 4,
  UNKNOWN_TID: 5,
  FILE_EXISTS: 6,
  NO_SUCH_USER: 7,
  OPTION_REFUSED: 8,
} as const;

export type TftpPacket =
  | { op: 'RRQ' | 'WRQ'; file: string; mode: string; options: Map<string, string> }
  | { op: 'DATA'; block: number; data: Buffer }
  | { op: 'ACK'; block: number }
  | { op: 'ERROR'; code: number; message: string }
  | { op: 'OACK'; options: Map<string, string> };

/** RFC 2348 limits. */
export const MIN_BLKSIZE = 8;
export const MAX_BLKSIZE = 65464;

function malformed(msg: string): FleetlabError {
  return new FleetlabError('TFTP_MALFORMED', `TFTP packet malformed: ${msg}`);
}

/** NUL-terminated strings from `off` to the end; throws naming `what` when one is unterminated. */
function readStrings(buf: Buffer, off: number, what: string, names: string[]): string[] {
  const out: string[] = [];
  while (off < buf.length) {
    const end = buf.indexOf(0, off);
    const name = names[out.length] ?? (out.length % 2 === 0 ? `option ${(out.length - names.length) / 2 + 1} name` : `option '${out[out.length - 1]}' value`);
    if (end < 0) throw malformed(`${what}: ${name} not NUL-terminated (offset ${off})`);
    out.push(buf.toString('latin1', off, end));
    off = end + 1;
  }
  return out;
}

function optionMap(list: string[], first: number, what: string): Map<string, string> {
  const m = new Map<string, string>();
  if ((list.length - first) % 2 !== 0) throw malformed(`${what}: option '${list[list.length - 1]}' has no value`);
  for (let i = first; i < list.length; i += 2) {
    const k = list[i]!.toLowerCase();
    if (k === '') throw malformed(`${what}: empty option name`);
    m.set(k, list[i + 1]!);
  }
  return m;
}

export function decodeTftp(buf: Buffer): TftpPacket {
  if (buf.length < 2) throw malformed(`${buf.length} bytes, no room for the 2-byte opcode`);
  const op = buf.readUInt16BE(0);
  switch (op) {
    case TftpOp.RRQ:
    case TftpOp.WRQ: {
      const what = op === 1 ? 'RRQ' : 'WRQ';
      const s = readStrings(buf, 2, what, ['filename', 'mode']);
      if (s.length < 2) throw malformed(`${what}: ${s.length === 0 ? 'filename' : 'mode'} missing`);
      if (s[0] === '') throw malformed(`${what}: empty filename`);
      return { op: what, file: s[0]!, mode: s[1]!.toLowerCase(), options: optionMap(s, 2, what) };
    }
    case TftpOp.DATA:
      if (buf.length < 4) throw malformed(`DATA: ${buf.length} bytes, no room for the block number`);
      return { op: 'DATA', block: buf.readUInt16BE(2), data: buf.subarray(4) };
    case TftpOp.ACK:
      if (buf.length < 4) throw malformed(`ACK: ${buf.length} bytes, no room for the block number`);
      return { op: 'ACK', block: buf.readUInt16BE(2) };
    case TftpOp.ERROR: {
      if (buf.length < 4) throw malformed(`ERROR: ${buf.length} bytes, no room for the error code`);
      // Some stacks omit the final NUL of the message; accept it.
      const end = buf.indexOf(0, 4);
      return { op: 'ERROR', code: buf.readUInt16BE(2), message: buf.toString('latin1', 4, end < 0 ? buf.length : end) };
    }
    case TftpOp.OACK:
      return { op: 'OACK', options: optionMap(readStrings(buf, 2, 'OACK', []), 0, 'OACK') };
    default:
      throw malformed(`opcode: ${op} is not 1-6 (RRQ, WRQ, DATA, ACK, ERROR, OACK)`);
  }
}

function strings(op: number, list: string[]): Buffer {
  let n = 2;
  for (const s of list) n += Buffer.byteLength(s, 'latin1') + 1;
  const b = Buffer.alloc(n);
  b.writeUInt16BE(op, 0);
  let off = 2;
  for (const s of list) {
    off += b.write(s, off, 'latin1');
    b[off++] = 0;
  }
  return b;
}

export function encodeTftp(p: TftpPacket): Buffer {
  switch (p.op) {
    case 'RRQ':
    case 'WRQ': {
      const list = [p.file, p.mode];
      for (const [k, v] of p.options) list.push(k, v);
      return strings(p.op === 'RRQ' ? 1 : 2, list);
    }
    case 'OACK': {
      const list: string[] = [];
      for (const [k, v] of p.options) list.push(k, v);
      return strings(6, list);
    }
    case 'DATA':
      return dataPacket(p.block, p.data, 0, p.data.length);
    case 'ACK':
      return ackPacket(p.block);
    case 'ERROR': {
      const out = Buffer.alloc(5 + Buffer.byteLength(p.message, 'latin1'));
      out.writeUInt16BE(TftpOp.ERROR, 0);
      out.writeUInt16BE(p.code & 0xffff, 2);
      out.write(p.message, 4, 'latin1');
      return out;
    }
  }
}

/** DATA packet for block `block` (mod 65536) carrying src[start, end). */
export function dataPacket(block: number, src: Buffer, start: number, end: number): Buffer {
  const b = Buffer.allocUnsafe(4 + (end - start));
  b.writeUInt16BE(TftpOp.DATA, 0);
  b.writeUInt16BE(block & 0xffff, 2);
  src.copy(b, 4, start, end);
  return b;
}

export function ackPacket(block: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt16BE(TftpOp.ACK, 0);
  b.writeUInt16BE(block & 0xffff, 2);
  return b;
}

export function errorPacket(code: number, message: string): Buffer {
  return encodeTftp({ op: 'ERROR', code, message });
}
