/**
 * IPA's `write_image` deploy step: read image_info from the step, download the image through the
 * site link verifying its checksum (os_hash_algo/os_hash_value, else the legacy `checksum` whose
 * length names the algorithm), then write it to the node's disk.
 *
 *   step.args.image_info ─▶ expected digest ─▶ ctx.downloadImage (hashed as it streams)
 *        ─▶ ctx.writeDisk ─▶ {deploy_result, deploy_step}   (any failure: a CommandError)
 */
import { isRecord } from '../../../base/values.ts';
import type { AgentContext } from '../agent-persona.ts';
import { cmdFailed, ipaStep, type CommandOutcome } from './ipa-command.ts';

type Expected = { algo: 'sha256' | 'sha512' | 'md5'; digest: string };

const HASH_BY_LENGTH: Record<number, Expected['algo']> = { 32: 'md5', 64: 'sha256', 128: 'sha512' };

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The digest image_info promises, null when it promises none, or a failure for a bad one. */
function expectedDigest(info: Record<string, unknown>): Expected | null | CommandOutcome {
  const algo = str(info.os_hash_algo);
  const value = str(info.os_hash_value);
  const checksum = str(info.checksum);
  if (algo && value) {
    if (algo !== 'sha256' && algo !== 'sha512' && algo !== 'md5') return cmdFailed('ImageChecksumError', `unsupported os_hash_algo ${algo}`);
    return { algo, digest: value.toLowerCase() };
  }
  if (!checksum) return null;
  const a = HASH_BY_LENGTH[checksum.length];
  if (!a) return cmdFailed('ImageChecksumError', `image_info.checksum '${checksum.slice(0, 80)}' is not a md5/sha256/sha512 hex digest`);
  return { algo: a, digest: checksum.toLowerCase() };
}

export async function writeImage(ctx: AgentContext, stepObj: Record<string, unknown>): Promise<CommandOutcome> {
  const args = isRecord(stepObj.args) ? stepObj.args : {};
  const info = isRecord(args.image_info) ? args.image_info : {};
  const urls = Array.isArray(info.urls) ? info.urls : [];
  const url = str(urls[0]);
  if (!url) return cmdFailed('InvalidCommandParamsError', 'image_info.urls[0] missing');
  const expected = expectedDigest(info);
  if (expected && 'ok' in expected) return expected;
  ctx.phase('image');
  ipaStep(ctx, 'image-download', url);
  const got = await ctx.downloadImage(url, expected);
  if (!got.ok) {
    return cmdFailed('ImageChecksumError', `image ${url}: ${expected?.algo ?? 'checksum'} ${got.digest} does not match expected ${expected?.digest ?? '?'}`);
  }
  const name = str(info.id) || url.split('/').pop() || url;
  ipaStep(ctx, 'image-write', name);
  try {
    await ctx.writeDisk({ name, url, bytes: got.bytes, digest: got.digest });
  } catch (e) {
    return cmdFailed('ImageWriteError', (e as Error).message);
  }
  return { ok: true, result: { deploy_result: {}, deploy_step: stepObj } };
}
