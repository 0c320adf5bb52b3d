/**
 * The generic installer persona (what a plain PXE + HTTP provisioning stack boots):
 *
 *   cmdline fleetlab.image=<url> fleetlab.sha256=<hex> fleetlab.callback=<url> [fleetlab.name=<image>]
 *   ─▶ download image (through the site link, hashed on the fly) ─▶ verify sha256
 *   ─▶ write to disk at the profile's speed ─▶ POST callback {node, image, sha256, status}
 *   ─▶ reboot (to disk)
 *
 * A checksum mismatch or disk failure is POSTed to the callback with status "failed", so the
 * target sees a failed deploy, and the node stays in the installer (as real installers do).
 */
import type { AgentContext, AgentOutcome, AgentPersona } from '../agent-persona.ts';
import { ERRORS } from '../../../base/errors.ts';

export const genericInstaller: AgentPersona = {
  name: 'generic-installer',
  async run(ctx: AgentContext): Promise<AgentOutcome> {
    const url = ctx.args['fleetlab.image'];
    const sha = ctx.args['fleetlab.sha256'];
    const callback = ctx.args['fleetlab.callback'];
    if (!url || !callback) {
      return { kind: 'failed', code: ERRORS.AGENT.code, message: `kernel cmdline lacks fleetlab.image/fleetlab.callback: '${ctx.cmdline}'` };
    }
    const name = ctx.args['fleetlab.name'] ?? decodeURIComponent(new URL(url).pathname.split('/').pop() ?? 'image');
    const report = (status: 'ok' | 'failed', extra: Record<string, unknown>) =>
      ctx.http('POST', callback, { node: ctx.node.name, uuid: ctx.node.uuid, mac: ctx.node.macs[0], image: name, status, ...extra });

    ctx.phase('image');
    let result;
    try {
      result = await ctx.downloadImage(url, sha ? { algo: 'sha256', digest: sha } : null);
    } catch (e) {
      ctx.signal.throwIfAborted();
      const message = e instanceof Error ? e.message : String(e);
      await report('failed', { error: ERRORS.HTTP_FETCH.code, message }).catch(() => undefined);
      return { kind: 'failed', code: ERRORS.HTTP_FETCH.code, message };
    }
    if (!result.ok) {
      const message = `image ${url}: sha256 ${result.digest} does not match expected ${sha ?? '?'} (${result.bytes} bytes)`;
      ctx.emit({ kind: 'node.error', node: ctx.node.name, code: ERRORS.IMAGE_CHECKSUM.code, message });
      await report('failed', { error: ERRORS.IMAGE_CHECKSUM.code, message }).catch(() => undefined);
      return { kind: 'failed', code: ERRORS.IMAGE_CHECKSUM.code, message };
    }
    try {
      await ctx.writeDisk({ name, url, bytes: result.bytes, digest: result.digest });
    } catch (e) {
      ctx.signal.throwIfAborted();
      const message = e instanceof Error ? e.message : String(e);
      await report('failed', { error: ERRORS.DISK_WRITE.code, message }).catch(() => undefined);
      return { kind: 'failed', code: ERRORS.DISK_WRITE.code, message };
    }
    ctx.phase('callback');
    const r = await report('ok', { sha256: result.digest, bytes: result.bytes });
    ctx.emit({ kind: 'agent.callback', node: ctx.node.name, url: callback, status: r.status });
    if (r.status >= 300) return { kind: 'failed', code: ERRORS.AGENT.code, message: `callback ${callback}: HTTP ${r.status}` };
    return { kind: 'reboot' };
  },
};
