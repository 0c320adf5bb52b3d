/**
 * RMCP+ cipher suites and the key schedule of IPMI v2.0 §13.28–13.33.
 *
 *   Kuid (user password, ≤ 20 bytes, zero-padded)
 *     ├─ RAKP2 HMAC  = H_Kuid(SIDm|SIDc|Rm|Rc|GUIDc|ROLEm|ULENm|UNAMEm)   BMC proves it knows Kuid
 *     ├─ RAKP3 HMAC  = H_Kuid(Rc|SIDm|ROLEm|ULENm|UNAMEm)                 console proves it knows Kuid
 *     └─ SIK         = H_Kuid(Rm|Rc|ROLEm|ULENm|UNAMEm)                   (Kg = null: Kuid stands in)
 *          ├─ RAKP4 ICV = H_SIK(Rm|SIDc|GUIDc), truncated (12 B SHA1, 16 B SHA256)
 *          ├─ K1 = H_SIK(0x01 × 20)  → integrity HMAC key (HMAC-SHA1-96 / HMAC-SHA256-128)
 *          └─ K2 = H_SIK(0x02 × 20)  → first 16 bytes = AES-CBC-128 key
 *
 * H is the suite's authentication hash. The constants are 20 bytes for every hash (ipmitool,
 * freeipmi and OpenBMC agree on that, also for SHA256). Multi-byte integers are little-endian.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

export type AuthAlg = 0 | 1 | 3; // RAKP-none, RAKP-HMAC-SHA1, RAKP-HMAC-SHA256
export type IntegrityAlg = 0 | 1 | 4; // none, HMAC-SHA1-96, HMAC-SHA256-128
export type ConfAlg = 0 | 1; // none, AES-CBC-128

export interface CipherSuite {
  id: number;
  auth: AuthAlg;
  integrity: IntegrityAlg;
  conf: ConfAlg;
}

/** Suites we speak. Suite 0 (no authentication at all) is only offered when a server allows it. */
export const CIPHER_SUITES: readonly CipherSuite[] = [
  { id: 3, auth: 1, integrity: 1, conf: 1 },
  { id: 17, auth: 3, integrity: 4, conf: 1 },
];
export const CIPHER_SUITE_ZERO: CipherSuite = { id: 0, auth: 0, integrity: 0, conf: 0 };

export function findSuite(auth: number, integrity: number, conf: number, allowZero: boolean): CipherSuite | undefined {
  if (allowZero && auth === 0 && integrity === 0 && conf === 0) return CIPHER_SUITE_ZERO;
  return CIPHER_SUITES.find((s) => s.auth === auth && s.integrity === integrity && s.conf === conf);
}

function hashOf(alg: AuthAlg | IntegrityAlg): 'sha1' | 'sha256' {
  return alg === 3 || alg === 4 ? 'sha256' : 'sha1';
}

export function hmac(alg: AuthAlg | IntegrityAlg, key: Buffer, ...parts: Buffer[]): Buffer {
  const h = createHmac(hashOf(alg), key);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** Length of the RAKP4 integrity check value: 12 bytes for SHA1, 16 for SHA256 (spec errata). */
export function rakp4IcvLength(auth: AuthAlg): number {
  return auth === 3 ? 16 : auth === 1 ? 12 : 0;
}

/** Length of the per-packet AuthCode trailer. */
export function authCodeLength(integrity: IntegrityAlg): number {
  return integrity === 4 ? 16 : integrity === 1 ? 12 : 0;
}

/** Kuid: the password as a 20-byte key (longer passwords are cut at 20, as BMCs store them). */
export function userKey(password: string): Buffer {
  const k = Buffer.alloc(20);
  Buffer.from(password, 'utf8').copy(k, 0, 0, 20);
  return k;
}

const CONST_1 = Buffer.alloc(20, 0x01);
const CONST_2 = Buffer.alloc(20, 0x02);

export interface SessionKeys {
  suite: CipherSuite;
  sik: Buffer;
  k1: Buffer;
  /** AES-128 key (first 16 bytes of K2). */
  aesKey: Buffer;
}

export function deriveKeys(suite: CipherSuite, sik: Buffer): SessionKeys {
  if (suite.auth === 0) return { suite, sik, k1: CONST_1, aesKey: CONST_2.subarray(0, 16) };
  const k1 = hmac(suite.auth, sik, CONST_1);
  const k2 = hmac(suite.auth, sik, CONST_2);
  return { suite, sik, k1, aesKey: k2.subarray(0, 16) };
}

/**
 * AES-CBC-128 confidentiality wrapper (§13.29): IV(16) ‖ E(payload ‖ 01 02 … N ‖ N), the
 * plaintext padded to a multiple of 16 including the trailing pad-length byte.
 */
export function encryptPayload(key: Buffer, payload: Buffer): Buffer {
  const padLen = (16 - ((payload.length + 1) % 16)) % 16;
  const plain = Buffer.alloc(payload.length + padLen + 1);
  payload.copy(plain);
  for (let i = 0; i < padLen; i++) plain[payload.length + i] = i + 1;
  plain[plain.length - 1] = padLen;
  const iv = randomBytes(16);
  const c = createCipheriv('aes-128-cbc', key, iv);
  c.setAutoPadding(false);
  return Buffer.concat([iv, c.update(plain), c.final()]);
}

/** Inverse of encryptPayload; null when the length or the confidentiality pad is wrong. */
export function decryptPayload(key: Buffer, data: Buffer): Buffer | null {
  if (data.length < 32 || data.length % 16 !== 0) return null;
  const d = createDecipheriv('aes-128-cbc', key, data.subarray(0, 16));
  d.setAutoPadding(false);
  const plain = Buffer.concat([d.update(data.subarray(16)), d.final()]);
  const padLen = plain[plain.length - 1]!;
  if (padLen > 15 || padLen + 1 > plain.length) return null;
  const end = plain.length - 1 - padLen;
  for (let i = 0; i < padLen; i++) if (plain[end + i] !== i + 1) return null;
  return plain.subarray(0, end);
}
