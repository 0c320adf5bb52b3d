/**
 * The `answer-file` persona: an OS installer (Anaconda, debian-installer, Subiquity) on a sim
 * node. It fetches the answer file its kernel command line names, reads the image, partitioning
 * and post-install callbacks from it (./answer-file-parse.ts) and does what they say. Fits
 * servers that serve kickstart/preseed/autoinstall files: Foreman, Cobbler, MAAS (curtin
 * sources), FAI-style setups, or dnsmasq + a plain HTTP directory.
 *
 *   cmdline inst.ks=U | ks=U  ─▶ kickstart      url=U | preseed/url=U ─▶ preseed
 *           autoinstall ds=nocloud-net;s=U ─▶ U/user-data (autoinstall)
 *   ─▶ GET file ─▶ parse ─▶ download image (sha256 if given) ─▶ write disk ─▶ callbacks ─▶ reboot | poweroff
 *   no such argument / unreadable / incomplete file / failed download ─▶ failed (node stays in the installer)
 */
import type { AgentContext, AgentOutcome, AgentPersona } from '../../../lab/nodes/sim/agent-persona.ts';
import { ERRORS } from '../../../lab/base/errors.ts';
import { parseAutoinstall, parseKickstart, parsePreseed, type AnswerFileKind, type HttpCall, type ParseResult } from './answer-file-parse.ts';

/** Which file the command line names, and its kind; undefined when it names none. */
export function answerFileOf(args: Record<string, string>): { kind: AnswerFileKind; url: string } | undefined {
  const ks = args['inst.ks'] ?? args['ks'];
  if (ks) return { kind: 'kickstart', url: ks };
  const preseed = args['preseed/url'] ?? args['url'];
  if (preseed) return { kind: 'preseed', url: preseed };
  const ds = args['ds'];
  if (ds !== undefined && 'autoinstall' in args) {
    const s = /^nocloud(?:-net)?\\?;(?:s|seedfrom)=(.+)$/.exec(ds)?.[1];
    if (s) return { kind: 'autoinstall', url: `${s.endsWith('/') ? s : `${s}/`}user-data` };
  }
  return undefined;
}

const PARSERS: Record<AnswerFileKind, (text: string) => ParseResult> = { kickstart: parseKickstart, preseed: parsePreseed, autoinstall: parseAutoinstall };

const expand = (s: string, ctx: AgentContext) =>
  s.replace(/\$\{(mac|ip|uuid|hostname)\}/g, (_, v: string) => ({ mac: ctx.node.macs[0] ?? '', ip: ctx.node.ip, uuid: ctx.node.uuid, hostname: ctx.node.name })[v]!);

async function follow(ctx: AgentContext, call: HttpCall): Promise<number> {
  const url = expand(call.url, ctx);
  const res = await ctx.http(call.method, url, call.body === undefined ? undefined : expand(call.body, ctx));
  ctx.emit({ kind: 'agent.callback', node: ctx.node.name, url, status: res.status });
  return res.status;
}

export const answerFilePersona: AgentPersona = {
  name: 'answer-file',
  async run(ctx: AgentContext): Promise<AgentOutcome> {
    const fail = (code: string, message: string): AgentOutcome => ({ kind: 'failed', code, message: `answer-file persona: ${message}` });
    const file = answerFileOf(ctx.args);
    if (!file) return fail(ERRORS.AGENT.code, `the kernel cmdline names no answer file (inst.ks=, url=/preseed/url=, autoinstall ds=nocloud-net;s=): '${ctx.cmdline}'`);
    const got = await ctx.http('GET', file.url).catch((e: unknown) => e as Error);
    if (got instanceof Error || got.status !== 200) return fail(ERRORS.HTTP_FETCH.code, `${file.kind} file ${file.url}: ${got instanceof Error ? got.message : `HTTP ${got.status}`}`);
    const parsed = PARSERS[file.kind](got.body.toString('utf8'));
    if ('problem' in parsed) return fail(ERRORS.AGENT.code, `${file.url}: ${parsed.problem}`);
    const { plan } = parsed;
    ctx.emit({ kind: 'agent.step', node: ctx.node.name, persona: 'answer-file', step: plan.kind, detail: `image ${plan.image.url}, partitioning ${plan.partitioning}, ${plan.callbacks.length} callback(s), then ${plan.then}` });
    ctx.phase('image');
    const url = expand(plan.image.url, ctx);
    let image;
    try {
      image = await ctx.downloadImage(url, plan.image.sha256 ? { algo: 'sha256', digest: plan.image.sha256 } : null);
    } catch (e) {
      ctx.signal.throwIfAborted();
      return fail(ERRORS.HTTP_FETCH.code, `image ${url}: ${(e as Error).message}`);
    }
    if (!image.ok) return fail(ERRORS.IMAGE_CHECKSUM.code, `image ${url}: sha256 ${image.digest} does not match ${plan.image.sha256 ?? '?'}`);
    const name = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? 'image');
    try {
      await ctx.writeDisk({ name, url, bytes: image.bytes, digest: image.digest });
    } catch (e) {
      ctx.signal.throwIfAborted();
      return fail(ERRORS.DISK_WRITE.code, (e as Error).message);
    }
    ctx.phase('callback');
    for (const call of plan.callbacks) {
      const status = await follow(ctx, call).catch(() => 0);
      if (status < 200 || status >= 300) return fail(ERRORS.AGENT.code, `post-install ${call.method} ${expand(call.url, ctx)}: ${status ? `HTTP ${status}` : 'no answer'}`);
    }
    if (plan.then === 'poweroff') await ctx.powerOff();
    return { kind: plan.then };
  },
};
