/**
 * Drives a REST provisioning server through a mapping file: renders each step's templates for a
 * node (and image), sends it, checks the status, captures values for later steps, and reads the
 * node's native state back through JSONPath onto the Target phases.
 *
 *   enroll/provision/deprovision: step ─render─▶ HTTP ─status ok?─▶ (until: repeat until JSONPath in …)
 *                                 ─▶ capture vars.* ─▶ next step
 *   state: GET ─▶ JSONPath native ─phases─▶ TargetState
 */
import type { ImageRef, TargetNode, TargetState } from '../target.ts';
import { FleetlabError } from '../../../lab/base/errors.ts';
import type { Mapping, MappingStep } from './mapping-file.ts';
import { MissingVar, renderJson, renderUrl, type TemplateVars } from './template.ts';
import { extract } from './json-path.ts';

export interface MappingClient {
  enroll(node: TargetNode): Promise<void>;
  provision(node: TargetNode, image: ImageRef): Promise<void>;
  deprovision(node: TargetNode): Promise<void>;
  state(node: TargetNode): Promise<TargetState>;
  /** The mapping's `version` fields as the server answers them (empty without `version`; best effort). */
  version(): Promise<Record<string, string>>;
}

interface Reply {
  status: number;
  json: unknown;
  text: string;
}

type Request = Pick<MappingStep, 'method' | 'url' | 'headers' | 'body'>;

/** `label` names the target and mapping file in errors. */
export function mappingClient(m: Mapping, api: string, label: string, signal: AbortSignal, env: NodeJS.ProcessEnv = process.env): MappingClient {
  const captured = new Map<string, Record<string, unknown>>();
  const fail = (what: string, msg: string) => new FleetlabError('TARGET', `${label}: ${what}: ${msg}`);

  const varsOf = (node: TargetNode, image?: ImageRef) => nodeVars(api, node, image, captured.get(node.name), env);

  const send = async (r: Request, vars: TemplateVars, what: string): Promise<Reply> => {
    let url: string;
    let body: unknown;
    let headers: Record<string, string>;
    try {
      url = renderUrl(r.url, vars);
      body = r.body === undefined ? undefined : renderJson(r.body, vars);
      headers = renderJson({ ...m.headers, ...r.headers }, vars) as Record<string, string>;
    } catch (e) {
      if (e instanceof MissingVar) throw fail(what, e.message);
      throw e;
    }
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const reply = await fetchReply(r.method, url, headers, body, signal);
    if ('status' in reply) return reply;
    throw fail(what, `${r.method} ${url}: ${reply.error}`);
  };

  const run = async (list: MappingStep[], node: TargetNode, op: string, image?: ImageRef) => {
    for (const [i, s] of list.entries()) {
      const what = `${op}${list.length > 1 ? `[${i}]` : ''} ${node.name}`;
      const r = await sendStep(s, node, what, image);
      for (const [name, path] of Object.entries(s.capture ?? {})) {
        const v = extract(path, r.json);
        if (v === undefined) throw fail(what, `capture ${name}: ${path} matched nothing in ${r.text.slice(0, 300)}`);
        captured.set(node.name, { ...captured.get(node.name), [name]: v });
      }
    }
  };

  /** One step: sent once, or (with `until`) again every intervalMs until its JSONPath value is wanted. */
  const sendStep = async (s: MappingStep, node: TargetNode, what: string, image?: ImageRef): Promise<Reply> => {
    const deadline = Date.now() + (s.until?.timeoutMs ?? 0);
    for (;;) {
      const r = await send(s, varsOf(node, image), what);
      const ok = s.expect ? s.expect.includes(r.status) : r.status >= 200 && r.status < 300;
      if (!ok) throw fail(what, `HTTP ${r.status} ${r.text.slice(0, 300)}`);
      if (!s.until) return r;
      const v = extract(s.until.path, r.json) as string | number | boolean | undefined;
      if (v !== undefined && s.until.in.includes(v)) return r;
      if (v !== undefined && s.until.fail?.includes(v)) throw fail(what, `until ${s.until.path}: '${String(v)}' is a failure value: ${r.text.slice(0, 300)}`);
      if (Date.now() >= deadline) throw fail(what, `until ${s.until.path}: still '${String(v)}' after ${s.until.timeoutMs} ms (waiting for ${s.until.in.join(' | ')})`);
      if (signal.aborted) throw fail(what, 'aborted');
      await new Promise((res) => setTimeout(res, s.until!.intervalMs));
    }
  };

  return {
    enroll: (node) => run(m.enroll, node, 'enroll'),
    provision: (node, image) => run(m.provision, node, 'provision', image),
    async deprovision(node) {
      if (!m.deprovision) throw fail(`deprovision ${node.name}`, 'the mapping file has no deprovision step');
      await run(m.deprovision, node, 'deprovision');
    },
    version: () => serverVersion(m, api, env, signal),
    async state(node) {
      const what = `state ${node.name}`;
      const r = await send(m.state, varsOf(node), what);
      if (r.status === 404) return { native: 'not found', phase: m.state.notFound };
      if (r.status < 200 || r.status >= 300) throw fail(what, `HTTP ${r.status} ${r.text.slice(0, 300)}`);
      const native = extract(m.state.native, r.json);
      if (native === undefined || native === null) throw fail(what, `state.native ${m.state.native} matched nothing in ${r.text.slice(0, 300)}`);
      const phase = m.phases[String(native)] ?? m.otherPhase;
      if (!phase) throw fail(what, `native state '${String(native)}' is not in the mapping's phases (${Object.keys(m.phases).join(', ')}) and there is no otherPhase`);
      const err = m.state.error ? extract(m.state.error, r.json) : undefined;
      return { native: String(native), phase, ...(typeof err === 'string' && err ? { lastError: err } : {}) };
    },
  };
}

/** The mapping's `version` fields as the server's answer gives them; {} on any failure (best effort). */
async function serverVersion(m: Mapping, api: string, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<Record<string, string>> {
  if (!m.version) return {};
  const vars: TemplateVars = { api, ...Object.fromEntries(Object.entries(env).map(([k, v]) => [`env.${k}`, v])) };
  let url: string;
  let headers: Record<string, string>;
  try {
    url = renderUrl(m.version.url, vars);
    headers = renderJson({ ...m.headers, ...m.version.headers }, vars) as Record<string, string>;
  } catch {
    return {};
  }
  const r = await fetchReply('GET', url, headers, undefined, signal);
  if (!('status' in r) || r.status < 200 || r.status >= 300) return {};
  const out: Record<string, string> = {};
  for (const [name, path] of Object.entries(m.version.fields)) {
    const v = extract(path, r.json);
    if (v !== undefined && v !== null) out[name] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

/** Every template variable for a node (and image, and what earlier steps captured for it). */
function nodeVars(api: string, node: TargetNode, image: ImageRef | undefined, captured: Record<string, unknown> | undefined, env: NodeJS.ProcessEnv): TemplateVars {
  const vars: TemplateVars = {
    api,
    'node.name': node.name,
    'node.site': node.site,
    'node.uuid': node.uuid,
    'node.mac': node.macs[0],
    'node.macs': node.macs,
    'node.profile': node.profile,
    'node.firmware': node.firmware,
    'node.bmc.redfish.url': node.bmc.redfish?.url,
    'node.bmc.redfish.systemId': node.bmc.redfish?.systemId,
    'node.bmc.ipmi.host': node.bmc.ipmi?.host,
    'node.bmc.ipmi.port': node.bmc.ipmi?.port,
    'node.bmc.username': node.bmc.username,
    'node.bmc.password': node.bmc.password,
  };
  if (image) Object.assign(vars, { 'image.name': image.name, 'image.url': image.url, 'image.sha256': image.sha256, 'image.bytes': image.bytes });
  for (const [k, v] of Object.entries(captured ?? {})) vars[`vars.${k}`] = v;
  for (const [k, v] of Object.entries(env)) vars[`env.${k}`] = v;
  return vars;
}

/** One request; connection failures (a server busy with a boot storm) are retried with backoff, HTTP errors are answers. */
async function fetchReply(method: string, url: string, headers: Record<string, string>, body: unknown, signal: AbortSignal): Promise<Reply | { error: string }> {
  let last: unknown;
  for (let attempt = 0; attempt < 4 && !signal.aborted; attempt++) {
    if (attempt > 0) await new Promise((res) => setTimeout(res, 250 * 2 ** attempt));
    try {
      const res = await fetch(url, { method, headers, signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)]), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const text = await res.text();
      let json: unknown = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = null; // not JSON: JSONPath finds nothing and says so
      }
      return { status: res.status, json, text };
    } catch (e) {
      last = e;
    }
  }
  const cause = (last as { cause?: { code?: string } } | undefined)?.cause?.code;
  return { error: `${(last as Error | undefined)?.message ?? 'aborted'}${cause ? ` (${cause})` : ''}` };
}
