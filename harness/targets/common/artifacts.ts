/**
 * Boot artifacts the reference server serves (iPXE ROM images, kernel, initrd, OS images),
 * generated deterministically from their name at a given size, with a known sha256 — so a run
 * needs no downloads and every node can verify what it got.
 *
 * Content = one 64 KiB block derived from the name, repeated; the digest is computed once per
 * artifact (lazily) and the same block is streamed to every client (no per-request copies).
 */
import { createHash } from 'node:crypto';
import { createRng } from '../../../lab/base/rng.ts';

export const BLOCK = 64 * 1024;

export interface Artifact {
  name: string;
  bytes: number;
  block: Buffer;
  sha256: string;
}

export class ArtifactStore {
  private readonly map = new Map<string, Artifact>();

  /** Define (or return the existing) artifact `name` of `bytes` bytes. */
  define(name: string, bytes: number): Artifact {
    const existing = this.map.get(name);
    if (existing && existing.bytes === bytes) return existing;
    const block = blockFor(name);
    const a: Artifact = { name, bytes, block, sha256: digestOf(block, bytes) };
    this.map.set(name, a);
    return a;
  }

  get(name: string): Artifact | undefined {
    return this.map.get(name);
  }

  /** Full content in memory: small artifacts only (TFTP boot files). */
  content(a: Artifact): Buffer {
    const out = Buffer.allocUnsafe(a.bytes);
    for (let off = 0; off < a.bytes; off += BLOCK) a.block.copy(out, off, 0, Math.min(BLOCK, a.bytes - off));
    return out;
  }
}

function blockFor(name: string): Buffer {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  const rng = createRng(h >>> 0);
  const b = Buffer.allocUnsafe(BLOCK);
  for (let i = 0; i < BLOCK; i += 4) b.writeUInt32LE(Math.floor(rng.next() * 4294967296) >>> 0, i);
  return b;
}

function digestOf(block: Buffer, bytes: number): string {
  const h = createHash('sha256');
  for (let off = 0; off < bytes; off += BLOCK) h.update(off + BLOCK <= bytes ? block : block.subarray(0, bytes - off));
  return h.digest('hex');
}
