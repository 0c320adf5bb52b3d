/**
 * The `http-callback` persona: an installer described by URL templates instead of code, for
 * servers whose installer fetches an image named on the kernel command line and reports back
 * over HTTP with its own URL and body shape (a target or a mapping file's `persona` picks it).
 *
 *   kernel cmdline ─▶ [start request] ─▶ download `image` (hash, verify `sha256` if given)
 *   ─▶ write disk ─▶ `done` request {status: ok} ─▶ reboot | poweroff
 *   any failure ─▶ `failed` request (default: `done` with status failed) ─▶ node stays in the installer
 *
 * Variables: {{cmdline.<key>}} (kernel arguments), {{node.name|uuid|mac|ip|site}}, and after the
 * download {{image.url|name|sha256|bytes}}, {{status}}; in `failed` also {{error.code|message}}.
 */
import { z } from 'zod';
import type { AgentContext, AgentOutcome, AgentPersona } from '../../../lab/nodes/sim/agent-persona.ts';
import { ERRORS } from '../../../lab/base/errors.ts';
import { MissingVar, placeholders, renderJson, renderUrl, type TemplateVars } from '../mapping/template.ts';
import type { Problem } from '../../../lab/base/problem.ts';

const request = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH']).default('POST'),
  url: z.string().min(1),
  body: z.json().optional(),
});

export const httpCallbackSchema = z.strictObject({
  kind: z.literal('http-callback'),
  image: z.string().min(1).describe('URL template of the image, e.g. {{cmdline.image_url}}'),
  sha256: z.string().optional().describe('expected sha256 template; absent = not verified'),
  name: z.string().optional().describe('image name template (default: last path segment of the URL)'),
  start: request.optional(),
  done: request,
  failed: request.optional(),
  then: z.enum(['reboot', 'poweroff']).default('reboot'),
});
export type HttpCallbackConfig = z.output<typeof httpCallbackSchema>;

const NODE = ['node.name', 'node.uuid', 'node.mac', 'node.ip', 'node.site'];
const IMAGE = ['image.url', 'image.name', 'image.sha256', 'image.bytes', 'status'];

/** Unknown variables per field (`at` prefixes the paths), checked when the config is read. */
export function httpCallbackProblems(c: HttpCallbackConfig, at: string): Problem[] {
  const fields: [string, unknown, string[]][] = [
    ['image', c.image, []],
    ['sha256', c.sha256, []],
    ['name', c.name, []],
    ['start', c.start, []],
    ['done', c.done, IMAGE],
    ['failed', c.failed, [...IMAGE, 'error.code', 'error.message']],
  ];
  return fields.flatMap(([field, value, extra]) =>
    placeholders(value)
      .filter((n) => !n.startsWith('cmdline.') && !NODE.includes(n) && !extra.includes(n))
      .map((n) => ({ path: `${at}.${field}`, message: `unknown variable {{${n}}} (known here: cmdline.<key>, ${[...NODE, ...extra].join(', ')})` })),
  );
}

export function httpCallbackPersona(c: HttpCallbackConfig): AgentPersona {
  return {
    name: 'http-callback',
    async run(ctx: AgentContext): Promise<AgentOutcome> {
      const vars: TemplateVars = { 'node.name': ctx.node.name, 'node.uuid': ctx.node.uuid, 'node.mac': ctx.node.macs[0], 'node.ip': ctx.node.ip, 'node.site': ctx.node.site };
      for (const [k, v] of Object.entries(ctx.args)) vars[`cmdline.${k}`] = v;
      const call = async (r: z.output<typeof request> | undefined, extra: TemplateVars) => {
        if (!r) return undefined;
        const v = { ...vars, ...extra };
        const res = await ctx.http(r.method, renderUrl(r.url, v), r.body === undefined ? undefined : renderJson(r.body, v));
        ctx.emit({ kind: 'agent.callback', node: ctx.node.name, url: renderUrl(r.url, v), status: res.status });
        return res.status;
      };
      const fail = async (code: string, message: string, extra: TemplateVars = {}): Promise<AgentOutcome> => {
        await call(c.failed ?? c.done, { 'image.url': '', 'image.name': '', 'image.sha256': '', 'image.bytes': 0, ...extra, status: 'failed', 'error.code': code, 'error.message': message }).catch(() => undefined);
        return { kind: 'failed', code, message };
      };
      let url: string;
      let expected: string | undefined;
      try {
        url = renderUrl(c.image, vars);
        expected = c.sha256 === undefined ? undefined : String(renderJson(c.sha256, vars));
      } catch (e) {
        if (!(e instanceof MissingVar)) throw e;
        return { kind: 'failed', code: ERRORS.AGENT.code, message: `http-callback persona: ${e.message} (kernel cmdline '${ctx.cmdline}')` };
      }
      const name = c.name === undefined ? decodeURIComponent(new URL(url).pathname.split('/').pop() ?? 'image') : String(renderJson(c.name, vars));
      await call(c.start, {});
      ctx.phase('image');
      let got;
      try {
        got = await ctx.downloadImage(url, expected ? { algo: 'sha256', digest: expected } : null);
      } catch (e) {
        ctx.signal.throwIfAborted();
        return fail(ERRORS.HTTP_FETCH.code, e instanceof Error ? e.message : String(e));
      }
      const image = { 'image.url': url, 'image.name': name, 'image.sha256': got.digest, 'image.bytes': got.bytes };
      if (!got.ok) return fail(ERRORS.IMAGE_CHECKSUM.code, `image ${url}: sha256 ${got.digest} does not match expected ${expected ?? '?'}`, image);
      try {
        await ctx.writeDisk({ name, url, bytes: got.bytes, digest: got.digest });
      } catch (e) {
        ctx.signal.throwIfAborted();
        return fail(ERRORS.DISK_WRITE.code, e instanceof Error ? e.message : String(e), image);
      }
      ctx.phase('callback');
      const status = await call(c.done, { ...image, status: 'ok' });
      if (status !== undefined && status >= 300) return { kind: 'failed', code: ERRORS.AGENT.code, message: `http-callback persona: done callback: HTTP ${status}` };
      if (c.then === 'poweroff') await ctx.powerOff();
      return { kind: c.then };
    },
  };
}
