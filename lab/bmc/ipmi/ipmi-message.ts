/**
 * The IPMI LAN message inside a session payload (IPMI v2.0 §13.8):
 *
 *   request:  rsAddr netFn/rsLUN chk1 | rqAddr rqSeq/rqLUN cmd data… chk2
 *   response: rqAddr netFn+1/rqLUN chk1 | rsAddr rqSeq/rsLUN cmd cc data… chk2
 *
 * Checksums are two's complement: the bytes they cover plus the checksum sum to 0 mod 256.
 */
export interface IpmiRequest {
  rsAddr: number;
  netFn: number;
  rsLun: number;
  rqAddr: number;
  rqSeq: number;
  rqLun: number;
  cmd: number;
  data: Buffer;
}

export const NETFN_CHASSIS = 0x00;
export const NETFN_SENSOR = 0x04;
export const NETFN_APP = 0x06;
export const NETFN_STORAGE = 0x0a;
export const NETFN_TRANSPORT = 0x0c;

function checksum(b: Buffer, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s = (s + b[i]!) & 0xff;
  return (0x100 - s) & 0xff;
}

/** Parse a request; a string names the field that is wrong. */
export function parseIpmiRequest(b: Buffer): IpmiRequest | string {
  if (b.length < 7) return `ipmi.message: ${b.length} bytes (minimum 7)`;
  if (checksum(b, 0, 2) !== b[2]) return 'ipmi.message.checksum1: mismatch';
  if (checksum(b, 3, b.length - 1) !== b[b.length - 1]) return 'ipmi.message.checksum2: mismatch';
  const netFn = b[1]! >> 2;
  if (netFn & 1) return `ipmi.message.netFn: 0x${netFn.toString(16)} is a response netFn`;
  return {
    rsAddr: b[0]!,
    netFn,
    rsLun: b[1]! & 3,
    rqAddr: b[3]!,
    rqSeq: b[4]! >> 2,
    rqLun: b[4]! & 3,
    cmd: b[5]!,
    data: b.subarray(6, b.length - 1),
  };
}

export function buildIpmiResponse(req: IpmiRequest, cc: number, data: Buffer | readonly number[] = []): Buffer {
  const d = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const b = Buffer.alloc(8 + d.length);
  b[0] = req.rqAddr;
  b[1] = ((req.netFn + 1) << 2) | req.rqLun;
  b[2] = checksum(b, 0, 2);
  b[3] = req.rsAddr;
  b[4] = (req.rqSeq << 2) | req.rsLun;
  b[5] = req.cmd;
  b[6] = cc;
  d.copy(b, 7);
  b[b.length - 1] = checksum(b, 3, b.length - 1);
  return b;
}

/** Build a request (used by tests and the fuzz corpus; the server only answers). */
export function buildIpmiRequest(netFn: number, cmd: number, data: readonly number[] | Buffer, rqSeq = 1, rsAddr = 0x20, rqAddr = 0x81): Buffer {
  const d = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const b = Buffer.alloc(7 + d.length);
  b[0] = rsAddr;
  b[1] = netFn << 2;
  b[2] = checksum(b, 0, 2);
  b[3] = rqAddr;
  b[4] = (rqSeq & 0x3f) << 2;
  b[5] = cmd;
  d.copy(b, 6);
  b[b.length - 1] = checksum(b, 3, b.length - 1);
  return b;
}
